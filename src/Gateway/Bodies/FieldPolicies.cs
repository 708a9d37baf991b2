using System.Text;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// Multipart try-on (<c>data</c> JSON + file parts) and product bodies: the <c>data</c> field goes through the JSON
/// rewriter and every file passes through. Genlook documents no other text field: one (a <c>person</c> or a
/// <c>customerImageId</c> beside <c>data</c>) could reference an image the gateway never checked, so it is refused.
/// </summary>
internal sealed class DataFieldPolicy(Func<ReadOnlyMemory<byte>, BodyRewrite> rewrite) : IMultipartFieldPolicy
{
    public BodyRewrite? Data { get; private set; }

    public FieldDecision OnField(string name, ReadOnlyMemory<byte> value, List<ErrorDetail> errors)
    {
        if (!name.Equals("data", StringComparison.Ordinal))
        {
            errors.Add(new ErrorDetail(name, "Only the JSON 'data' field and file parts are accepted."));
            return FieldDecision.Drop;
        }

        if (Data is not null)
        {
            errors.Add(new ErrorDetail("data", "Only one 'data' field is allowed."));
            return FieldDecision.Drop;
        }

        Data = rewrite(value);
        if (Data.Errors is { } invalid)
        {
            errors.AddRange(invalid.Select(e => e with { Path = e.Path.Length == 0 ? "data" : e.Path }));
            return FieldDecision.Drop;
        }

        return FieldDecision.Replace("data", Data.Body);
    }

    public bool RewritesField(string name) => name.Equals("data", StringComparison.Ordinal);

    public IEnumerable<(string Name, string Value)> AppendedFields(List<ErrorDetail> errors)
    {
        if (Data is null)
        {
            errors.Add(new ErrorDetail("data", "A multipart body needs a JSON 'data' field."));
        }

        return [];
    }
}

/// <summary>
/// The upload form (COMPAT.md): <c>customerId</c> and <c>externalUserId</c> are replaced by the caller's pseudonym,
/// <c>retentionDays</c> becomes <c>keepForDays</c> (a different <c>keepForDays</c> beside it is a conflict).
/// <c>file</c>, <c>crop</c> and unknown fields pass through untouched.
/// </summary>
internal sealed class UploadFormPolicy(string pseudonym) : IMultipartFieldPolicy
{
    private string? _keepForDays;

    public List<ICompatShape> Applied { get; } = [];

    public int? KeepForDays => int.TryParse(_keepForDays, out var days) ? days : null;

    public FieldDecision OnField(string name, ReadOnlyMemory<byte> value, List<ErrorDetail> errors)
    {
        switch (name)
        {
            case "externalUserId":
                return FieldDecision.Drop;
            case "customerId":
                Applied.Add(CompatShape.UploadCustomerId);
                return FieldDecision.Drop;
            case "retentionDays":
                Applied.Add(CompatShape.UploadRetentionDays);
                return KeepForDaysOnce(Encoding.UTF8.GetString(value.Span), "retentionDays", value, errors);
            case "keepForDays":
                return KeepForDaysOnce(Encoding.UTF8.GetString(value.Span), "keepForDays", value, errors);
            default:
                return FieldDecision.Keep;
        }
    }

    public bool RewritesField(string name) => name is "externalUserId" or "customerId" or "retentionDays" or "keepForDays";

    public IEnumerable<(string Name, string Value)> AppendedFields(List<ErrorDetail> errors) => [("externalUserId", pseudonym)];

    private FieldDecision KeepForDaysOnce(string text, string field, ReadOnlyMemory<byte> value, List<ErrorDetail> errors)
    {
        if (_keepForDays is null)
        {
            _keepForDays = text;
            return FieldDecision.Replace("keepForDays", value);
        }

        if (!string.Equals(_keepForDays.Trim(), text.Trim(), StringComparison.Ordinal))
        {
            errors.Add(new ErrorDetail(field, "Conflicts with 'keepForDays': send only 'keepForDays'."));
        }

        return FieldDecision.Drop;
    }
}
