using Genlook.Gateway.Compat.Rules;

namespace Genlook.Gateway.Compat;

/// <summary>
/// Every COMPAT.md row, in the order they are reported. Try-on rows (L7 before L1/L2 so a singular product and a
/// product id can be compared; the customer rows L3–L6 each recognise their own shape), then the product rows (L12
/// before L11 so existing images are canonical when compared with converted <c>imageUrls</c>). The product rows run
/// first, though, on each product, so that L7 compares products in the current shape (see <see cref="CompatEngine"/>).
/// </summary>
internal static class CompatRules
{
    public static readonly IReadOnlyList<ICompatRule> All =
    [
        new L7SingularProduct(),
        new L1ProductId(),
        new L2ExternalProductId(),
        new L3CustomerImageId(),
        new L4CustomerImageIdObject(),
        new L5CustomerFlat(),
        new L6CustomerSource(),
        new L8CustomerId(),
        new L9UseWatermark(),
        new L10RetentionDays(),
        new L12FlatProductImage(),
        new L11ImageUrls(),
        new L13RemovedProductFlags(),
    ];
}
