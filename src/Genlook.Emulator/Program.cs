using Microsoft.Extensions.Options;

namespace Genlook.Emulator;

/// <summary>
/// The offline Genlook on its own: <c>dotnet run --project src/Genlook.Emulator [-- --urls http://127.0.0.1:5180]</c>.
/// Configuration section <c>Emulator</c> (<c>Emulator__ApiKeys__0</c>, <c>Emulator__Strict</c>, <c>Emulator__Instant</c>, ...).
/// A named class rather than top-level statements, so no public <c>Program</c> clashes with the gateway's in tests.
/// </summary>
internal static class EmulatorProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5180");
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 256L * 1024 * 1024);
        builder.Services.AddGenlookEmulator();
        builder.Services.AddOptions<EmulatorOptions>().BindConfiguration("Emulator");

        var app = builder.Build();
        app.MapGenlookEmulator();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
            EmulatorLog.Listening(app.Logger, string.Join(", ", app.Urls), options.Strict, options.Instant, string.Join(", ", options.ApiKeys));
        });
        app.Run();
    }
}
