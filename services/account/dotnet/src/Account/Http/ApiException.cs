namespace PurposePath.Account.Http;

/// <summary>
/// A failure the client caused or must know about. The router renders it as
/// <c>{"error": {"code", "message"}}</c> with <see cref="Status"/>; the codes and statuses
/// are those of the Python services (ppcommon.errors), so clients see one contract.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public int Status { get; }

    public string Code { get; }

    public static ApiException BadRequest(string message) => new(400, "bad_request", message);

    public static ApiException Unauthorized(string message = "a valid Bearer access token is required") =>
        new(401, "unauthorized", message);

    public static ApiException Forbidden(string message = "not allowed") => new(403, "forbidden", message);

    public static ApiException NotFound(string message = "not found") => new(404, "not_found", message);

    public static ApiException Conflict(string message) => new(409, "conflict", message);

    public static ApiException ServiceUnavailable(string code, string message) => new(503, code, message);
}
