using System.Text;
using Amazon.Lambda.APIGatewayEvents;

namespace PurposePath.Account.Http;

/// <summary>The parts of an HTTP API request that routes read, independent of the event type.</summary>
public sealed class ApiRequest
{
    private readonly IReadOnlyDictionary<string, string> _headers;

    /// <param name="headers">Header names compare case-insensitively; of two that differ only in case, the last wins.</param>
    /// <param name="query">Query string parameters (API Gateway joins a repeated name's values with commas).</param>
    /// <param name="sourceIp">The client's address as API Gateway saw it (<c>requestContext.http.sourceIp</c>).</param>
    public ApiRequest(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        string? body = null,
        IEnumerable<KeyValuePair<string, string>>? query = null,
        string sourceIp = "",
        string domainName = "",
        string rawPath = "")
    {
        Method = method.ToUpperInvariant();
        Path = path;
        Body = body;
        SourceIp = sourceIp;
        DomainName = domainName;
        RawPath = rawPath;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (query is not null)
        {
            foreach (var (name, value) in query)
            {
                parameters[name] = value;
            }
        }

        Query = parameters;
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                copy[name] = value;
            }
        }

        _headers = copy;
    }

    public string Method { get; }

    /// <summary>The route path, without the custom domain's mapping key.</summary>
    public string Path { get; }

    public string? Body { get; }

    public IReadOnlyDictionary<string, string> Query { get; }

    public string SourceIp { get; }

    /// <summary>The API host API Gateway served the request on (<c>requestContext.domainName</c>), not the client's Host header.</summary>
    public string DomainName { get; }

    /// <summary>The path as the client sent it (through the custom domain, with the mapping key in front).</summary>
    public string RawPath { get; }

    /// <summary>
    /// How the request reached the service: <c>https://</c> + <see cref="DomainName"/> + the
    /// path in front of <c>/auth/</c> (the mapping key, or nothing on the <c>$default</c>
    /// stage); empty when either is not a plain host or path. Emailed links go back this way.
    /// </summary>
    public string LinkBase
    {
        get
        {
            var auth = RawPath.IndexOf("/auth/", StringComparison.Ordinal);
            var prefix = auth > 0 ? RawPath[..auth] : string.Empty;
            var hostOk = DomainName.Length is > 0 and <= 253
                && DomainName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':');
            var prefixOk = prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '~' or '-');
            return hostOk && prefixOk ? $"https://{DomainName}{prefix}" : string.Empty;
        }
    }

    /// <summary>The header's value (names compare case-insensitively), or null.</summary>
    public string? Header(string name) => _headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>
    /// Reads an API Gateway HTTP API (payload 2.0) event. The path comes from the matched
    /// route key (<c>"POST /auth/login"</c>) when there is one: through the custom domain
    /// <c>rawPath</c> still carries the mapping key (<c>/account/auth/login</c>), while the
    /// route key is exactly the route declared in the template.
    /// </summary>
    public static ApiRequest FromHttpApi(APIGatewayHttpApiV2ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var method = request.RequestContext?.Http?.Method ?? string.Empty;
        var path = RoutePath(request.RouteKey) ?? request.RawPath ?? request.RequestContext?.Http?.Path ?? "/";
        return new ApiRequest(
            method,
            path,
            request.Headers,
            DecodeBody(request.Body, request.IsBase64Encoded),
            request.QueryStringParameters,
            request.RequestContext?.Http?.SourceIp ?? string.Empty,
            request.RequestContext?.DomainName ?? string.Empty,
            request.RawPath ?? string.Empty);
    }

    private static string? RoutePath(string? routeKey)
    {
        // "$default" and proxy routes ("ANY /{proxy+}") name no concrete path.
        if (string.IsNullOrEmpty(routeKey) || routeKey.Contains('{', StringComparison.Ordinal))
        {
            return null;
        }

        var space = routeKey.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && routeKey.Length > space + 1 && routeKey[space + 1] == '/'
            ? routeKey[(space + 1)..]
            : null;
    }

    private static string? DecodeBody(string? body, bool isBase64Encoded)
    {
        if (body is null || !isBase64Encoded)
        {
            return body;
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                .GetString(Convert.FromBase64String(body));
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("request body is not valid base64 (isBase64Encoded is true)");
        }
        catch (ArgumentException)
        {
            throw ApiException.BadRequest("request body is not UTF-8 text: send JSON encoded as UTF-8");
        }
    }
}
