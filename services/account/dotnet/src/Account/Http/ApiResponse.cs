using System.Text.Json.Nodes;
using Amazon.Lambda.APIGatewayEvents;

namespace PurposePath.Account.Http;

/// <summary>A response as routes produce it; <see cref="ToHttpApi"/> turns it into the Lambda result.</summary>
public sealed class ApiResponse
{
    private const string JsonContentType = "application/json";

    private ApiResponse(int status, string? body, IReadOnlyDictionary<string, string> headers)
    {
        Status = status;
        Body = body;
        Headers = headers;
    }

    public int Status { get; }

    /// <summary>The JSON body text, or null for 204.</summary>
    public string? Body { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public static ApiResponse Json(int status, JsonNode body, IReadOnlyDictionary<string, string>? extraHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = JsonContentType,
            // Bodies carry tokens and personal data: no shared cache may keep them (RFC 6749 §5.1).
            ["Cache-Control"] = "no-store",
        };
        if (extraHeaders is not null)
        {
            foreach (var (name, value) in extraHeaders)
            {
                headers[name] = value;
            }
        }

        return new ApiResponse(status, body.ToJsonString(), headers);
    }

    public static ApiResponse NoContent() =>
        new(204, null, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Cache-Control"] = "no-store" });

    public static ApiResponse Error(int status, string code, string message, IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        };
        return Json(status, body, headers);
    }

    public static ApiResponse Error(ApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Dictionary<string, string>? headers = null;
        if (error.Status == 401)
        {
            headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" };
        }
        else if (error.RetryAfterSeconds is { } retryAfter)
        {
            headers = new Dictionary<string, string> { ["Retry-After"] = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        return Error(error.Status, error.Code, error.Message, headers);
    }

    public static ApiResponse InternalError() => Error(500, "internal_error", "internal error");

    public APIGatewayHttpApiV2ProxyResponse ToHttpApi() => new()
    {
        StatusCode = Status,
        Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase),
        Body = Body,
        IsBase64Encoded = false,
    };
}
