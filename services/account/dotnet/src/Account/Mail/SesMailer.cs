using Amazon.Runtime;
using Amazon.SimpleEmailV2;
using Amazon.SimpleEmailV2.Model;

namespace PurposePath.Account.Mail;

/// <summary>
/// Mail through SES v2 <c>SendEmail</c> with simple content, from the stage's sender
/// (<c>EMAIL_FROM</c>): the only address the account role may send from (its policy's
/// <c>ses:FromAddress</c> condition).
/// </summary>
public sealed class SesMailer(IAmazonSimpleEmailServiceV2 ses, string from) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = new SendEmailRequest
        {
            FromEmailAddress = from,
            Destination = new Destination { ToAddresses = [message.To] },
            Content = new EmailContent
            {
                Simple = new Message
                {
                    Subject = new Content { Data = message.Subject, Charset = "UTF-8" },
                    Body = new Body { Text = new Content { Data = message.Text, Charset = "UTF-8" } },
                },
            },
        };
        try
        {
            await ses.SendEmailAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException error)
        {
            // The error code only: SES messages can quote the recipient's address.
            throw new MailUnavailableException($"SES refused the message ({error.ErrorCode})", error);
        }
        catch (AmazonClientException error)
        {
            throw new MailUnavailableException("SES could not be reached", error);
        }
    }
}
