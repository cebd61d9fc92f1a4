namespace PurposePath.Account.Mail;

/// <summary>One plain-text message to one recipient.</summary>
public sealed record MailMessage(string To, string Subject, string Text);

/// <summary>Sends mail from the stage's verified sender (SES in production).</summary>
public interface IMailer
{
    /// <summary>Sends <paramref name="message"/>; throws <see cref="MailUnavailableException"/> when it could not.</summary>
    Task SendAsync(MailMessage message, CancellationToken cancellationToken);
}

/// <summary>The mail service refused or could not be reached. The message names no address and no token.</summary>
public sealed class MailUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
}

/// <summary>
/// The account's messages (FORMATS.md, "Email messages"): subjects as the Python runtime
/// writes them, plain UTF-8 text, the link alone on its own line so a person and a program
/// find it the same way.
/// </summary>
public static class AccountMail
{
    public const string VerifySubject = "Verify your PurposePath email";
    public const string ResetSubject = "Reset your PurposePath password";
    public const string ExistingAccountSubject = "Someone tried to register with your email";

    /// <param name="publicBaseUrl">The account API's public base, e.g. <c>https://api.dev.purposepath.app/account</c>.</param>
    public static MailMessage Verification(string to, string publicBaseUrl, string token) => new(
        to,
        VerifySubject,
        "Welcome to PurposePath.\n\n"
        + "Open this link to confirm your email address (it works once, for 24 hours):\n\n"
        + Link(publicBaseUrl, "/auth/verify-email", token) + "\n\n"
        + "If you did not create an account, ignore this message.\n");

    public static MailMessage PasswordReset(string to, string publicBaseUrl, string token) => new(
        to,
        ResetSubject,
        "Someone asked to reset the password of your PurposePath account.\n\n"
        + "Open this link to choose a new password (it works once, for 1 hour):\n\n"
        + Link(publicBaseUrl, "/auth/password-reset", token) + "\n\n"
        + "If it was not you, ignore this message: your password has not changed.\n");

    public static MailMessage ExistingAccount(string to) => new(
        to,
        ExistingAccountSubject,
        "Someone tried to register a PurposePath account with this email address, which already has one.\n\n"
        + "If it was you, sign in, or reset your password if you have forgotten it.\n"
        + "If it was not you, ignore this message: nothing has changed.\n");

    public static string Link(string publicBaseUrl, string path, string token)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        return $"{publicBaseUrl.TrimEnd('/')}{path}?token={Uri.EscapeDataString(token)}";
    }
}
