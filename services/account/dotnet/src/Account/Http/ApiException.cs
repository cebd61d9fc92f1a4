namespace PurposePath.Account.Http;

/// <summary>
/// A failure the client caused or must know about. The router renders it as
/// <c>{"error": {"code", "message"}}</c> with <see cref="Status"/>; the codes and statuses
/// are those of the Python services (ppcommon.errors), so clients see one contract.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message, int? retryAfterSeconds = null)
        : base(message)
    {
        Status = status;
        Code = code;
        RetryAfterSeconds = retryAfterSeconds;
    }

    public int Status { get; }

    public string Code { get; }

    /// <summary>For 429: whole seconds (at least 1) before the client may try again (the <c>Retry-After</c> header).</summary>
    public int? RetryAfterSeconds { get; }

    public static ApiException BadRequest(string message) => new(400, "bad_request", message);

    public static ApiException Unauthorized(string message = "a valid Bearer access token is required") =>
        new(401, "unauthorized", message);

    public static ApiException Forbidden(string message = "not allowed") => new(403, "forbidden", message);

    public static ApiException NotFound(string message = "not found") => new(404, "not_found", message);

    public static ApiException Conflict(string message) => new(409, "conflict", message);

    public static ApiException PayloadTooLarge(string message) => new(413, "payload_too_large", message);

    public static ApiException UnsupportedMediaType(string message = "send the body as Content-Type: application/json") =>
        new(415, "unsupported_media_type", message);

    /// <summary>429 with <c>Retry-After</c> rounded up: a client retrying after the rounded-down time would be refused again.</summary>
    public static ApiException TooManyRequests(string message, double retryAfterSeconds) =>
        new(429, "too_many_requests", message, Math.Max(1, (int)Math.Ceiling(retryAfterSeconds)));

    public static ApiException ServiceUnavailable(string code, string message) => new(503, code, message);
}
