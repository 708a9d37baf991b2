using Microsoft.Extensions.FileProviders;

namespace Genlook.Gateway.Hosting;

public static class DemoAppExtensions
{
    /// <summary>Where the build copies <c>samples/web/dist</c>, beside the binary (dotnet run, build and publish alike).</summary>
    public const string FolderName = "demo-app";

    /// <summary>
    /// Development only: the demo web app (<c>samples/web</c>) at <c>/</c>, so a fresh clone shows a working app with no
    /// Node and no CORS. Static files answer GET and HEAD for files that exist and pass everything else on, so every
    /// gateway route and the <c>404 ROUTE_NOT_FOUND</c> of the rest are unchanged. Outside Development nothing is served.
    /// </summary>
    public static WebApplication UseDevelopmentDemoApp(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, FolderName);
        if (!app.Environment.IsDevelopment() || !Directory.Exists(root))
        {
            return app;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // The bundle's names carry no hash: revalidate, so a rebuilt app is picked up on reload.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
