using System.Text.Json.Serialization;
using Amazon.Lambda.APIGatewayEvents;

namespace PurposePath.Account;

/// <summary>
/// Source-generated (reflection-free) JSON for the Lambda event and result: faster cold
/// starts than the reflection serializer. The event's properties carry no JSON names, so
/// camelCase maps <c>RawPath</c> to <c>rawPath</c> and so on.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyRequest))]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyResponse))]
public partial class HttpApiJsonContext : JsonSerializerContext
{
}
