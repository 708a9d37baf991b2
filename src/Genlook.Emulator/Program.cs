// The offline Genlook on its own:
//   dotnet run --project src/Genlook.Emulator [-- --urls http://127.0.0.1:5180 --Emulator:Strict false]
// Configuration section "Emulator" (Emulator__ApiKeys__0, Emulator__Strict, Emulator__Instant, Emulator__PendingFor, ...).
using Genlook.Emulator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateSlimBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5180");
}

// ASP.NET Core's per-request Information lines would dominate a load test; configuration can still lower this.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddGenlookEmulator();
builder.Services.AddOptions<EmulatorOptions>()
    .BindConfiguration("Emulator")
    // The binder appends list items to the default key; configured keys should replace it.
    .Configure<IConfiguration>((options, configuration) =>
    {
        if (configuration.GetSection("Emulator:ApiKeys").Get<List<string>>() is { Count: > 0 } keys)
        {
            options.ApiKeys = keys;
        }
    });

var app = builder.Build();
app.MapGenlookEmulator();
app.Lifetime.ApplicationStarted.Register(() =>
{
    var options = app.Services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
    EmulatorLog.Listening(app.Logger, string.Join(", ", app.Urls), options.Strict, options.Instant, string.Join(", ", options.ApiKeys));
});
app.Run();

/// <summary>
/// Declared internal so the .NET 10 generator does not make it public: the gateway's tests reference this project and
/// the gateway, and a second public <c>Program</c> would make <c>WebApplicationFactory&lt;Program&gt;</c> ambiguous.
/// </summary>
internal partial class Program;
