using System.Net;
using System.Text.Json;

namespace Genlook.Gateway.Tests.Infrastructure;

public static class ErrorAssert
{
    /// <summary>The response is the contract's error shape with this status and code; returns the parsed body.</summary>
    public static async Task<JsonElement> IsError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType ?? "");
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("message").GetString()));
        return root;
    }
}
