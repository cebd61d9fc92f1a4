using System.Text;
using System.Text.Json;
using PurposePath.Account.Http;

namespace PurposePath.Account.Accounts;

public sealed record Registration(string Email, string Password, string Name, string TenantName);

/// <summary>Login input; <see cref="Email"/> is null when the address has no canonical form (it then behaves as an unknown one).</summary>
public sealed record Credentials(string? Email, string Password);

/// <summary><c>POST /auth/password-reset/confirm</c>: the emailed token and the new password.</summary>
public sealed record PasswordReset(string Token, string NewPassword);

/// <summary>A password change: the current password (re-authentication) and the new one.</summary>
public sealed record PasswordChange(string CurrentPassword, string NewPassword);

/// <summary>The input rules of the account contract, as the Python runtime applies them (account.validation).</summary>
public static class Validation
{
    public const int MinPasswordChars = 12;

    /// <summary>Bounded so a request cannot make the KDF hash megabytes; generous for passphrases.</summary>
    public const int MaxPasswordChars = 1024;

    public const int MaxNameChars = 100;

    /// <summary>RFC 5321 path limit.</summary>
    public const int MaxEmailChars = EmailAddress.MaxChars;


    public static Registration ParseRegistration(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var email = body.RequireString("email");
        var password = body.RequireString("password");
        var name = body.RequireString("name");
        var tenantName = body.RequireString("tenantName");
        return new Registration(EmailAddress.Canonical(email), NewPassword("password", password), DisplayName("name", name), DisplayName("tenantName", tenantName));
    }

    /// <summary>Login input: only presence and type are checked, so no rule leaks which part was wrong.</summary>
    public static Credentials ParseCredentials(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var email = body.RequireString("email");
        var password = body.RequireString("password");
        return new Credentials(EmailAddress.CanonicalOrNull(email), password);
    }

    /// <summary>
    /// <c>POST /auth/password-reset</c>: <c>email</c> must be a string (400); its content is
    /// never refused (an address with no canonical form is null and behaves as unknown).
    /// </summary>
    public static string? ParseResetRequest(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return EmailAddress.CanonicalOrNull(body.RequireString("email"));
    }

    /// <summary>The <c>token</c> query parameter of an emailed link; absent answers as an invalid token.</summary>
    public static string ParseLinkToken(ApiRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Query.GetValueOrDefault("token") is { Length: > 0 } token
            ? token
            : throw InvalidLinkToken();
    }

    /// <summary>The <c>token</c> field of a body (400 <c>bad_request</c> when absent or not a string).</summary>
    public static string ParseBodyToken(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.RequireString("token");
    }

    public static ApiException InvalidLinkToken() =>
        new(400, AccountService.InvalidTokenCode, AccountService.InvalidToken);

    public static PasswordReset ParsePasswordReset(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var token = ParseBodyToken(body);
        return new PasswordReset(token, NewPassword("newPassword", body.RequireString("newPassword")));
    }

    /// <summary>
    /// <c>POST /auth/password</c>: both fields present strings (400); the new one follows the
    /// registration rule. The current one is checked only for presence and type, as at login.
    /// </summary>
    public static PasswordChange ParsePasswordChange(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var current = body.RequireString("currentPassword");
        var next = body.RequireString("newPassword");
        return new PasswordChange(current, NewPassword("newPassword", next));
    }

    /// <summary>
    /// The password <c>DELETE /auth/me</c> requires, or null when the body is absent, not a
    /// JSON object, or has no non-empty string <c>password</c>. Never a 400: a missing
    /// password answers as a wrong one does (401), so the route tells an attacker nothing
    /// either way (as account.validation.reauthentication).
    /// </summary>
    public static string? ParseDeletionPassword(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("password", out var password)
                && password.ValueKind == JsonValueKind.String
                && password.GetString() is { Length: > 0 } text
                    ? text
                    : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    public static string ParseRefreshToken(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.RequireString("refreshToken");
    }

    /// <summary>Length in Unicode code points, as Python's len() counts.</summary>
    public static int CodePoints(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string NewPassword(string field, string raw)
    {
        var length = CodePoints(raw.Normalize(NormalizationForm.FormC));
        if (length < MinPasswordChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have at least {MinPasswordChars} characters");
        }

        if (length > MaxPasswordChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have at most {MaxPasswordChars} characters");
        }

        return raw;
    }

    private static string DisplayName(string field, string raw)
    {
        var name = raw.Trim();
        var length = CodePoints(name);
        if (length < 1 || length > MaxNameChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have 1 to {MaxNameChars} characters");
        }

        return name;
    }
}
