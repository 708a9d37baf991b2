using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>
/// A JSON body through the rewriter exactly as <c>RequestBodyMiddleware</c> calls it: as a try-on (fast path scanner, or
/// the legacy compat rewrite), as a product upsert and as the emulated product PATCH. A rewrite either refuses the body
/// (its validation result: nothing forwarded) or returns a body that must hold <see cref="JsonInvariants"/>.
/// </summary>
internal sealed class JsonBodyTarget : IFuzzTarget
{
    private readonly JsonBodyRewriter _rewriter = new(new CompatEngine(CompatRules.All));

    public string Name => "json";

    public void Run(ReadOnlySpan<byte> input)
    {
        var tryOn = _rewriter.RewriteTryOn(input, Caller.Pseudonym);
        if (JsonInvariants.WouldForwardTryOn(tryOn))
        {
            JsonInvariants.ForwardedTryOn(tryOn, "try-on");
        }

        var product = _rewriter.RewriteProduct(input);
        if (product.Errors is null)
        {
            JsonInvariants.ForwardedProduct(product, "product", patchId: null);
        }

        var patch = _rewriter.RewritePatch(input, Caller.PatchProductId);
        if (patch.Errors is null)
        {
            JsonInvariants.ForwardedProduct(patch, "product-patch", Caller.PatchProductId);
        }
    }
}
