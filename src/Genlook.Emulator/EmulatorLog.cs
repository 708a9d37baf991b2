namespace Genlook.Emulator;

internal static partial class EmulatorLog
{
    // The key is a development placeholder, logged on purpose so a developer can call the emulator with curl.
    [LoggerMessage(1, LogLevel.Information, "Genlook emulator listening on {Urls} (strict: {Strict}, instant: {Instant}); accepted x-api-key: {Keys}")]
    public static partial void Listening(ILogger logger, string urls, bool strict, bool instant, string keys);
}
