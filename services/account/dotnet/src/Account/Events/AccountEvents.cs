using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.SimpleNotificationService;
using Amazon.SimpleNotificationService.Model;

namespace PurposePath.Account.Events;

/// <summary>
/// A deletion event for the services that keep data of users and tenants (coaching,
/// traction), which purge it. <paramref name="UserId"/> is null for <c>tenant.deleted</c>.
/// </summary>
public sealed record AccountEvent(string Type, string EventId, string TenantId, string? UserId, DateTimeOffset OccurredAt)
{
    public const string UserDeleted = "user.deleted";
    public const string TenantDeleted = "tenant.deleted";

    public static AccountEvent ForUser(string tenantId, string userId, DateTimeOffset at) =>
        new(UserDeleted, Guid.NewGuid().ToString(), tenantId, userId, at);

    public static AccountEvent ForTenant(string tenantId, DateTimeOffset at) =>
        new(TenantDeleted, Guid.NewGuid().ToString(), tenantId, null, at);

    /// <summary>
    /// The SNS Message: compact JSON <c>{"type","eventId","tenantId","userId"?,"occurredAt"}</c>,
    /// <c>occurredAt</c> ISO-8601 UTC to the second.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Type);
            writer.WriteString("eventId", EventId);
            writer.WriteString("tenantId", TenantId);
            if (UserId is not null)
            {
                writer.WriteString("userId", UserId);
            }

            writer.WriteString(
                "occurredAt",
                OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>Publishes account events. Tests pass a fake that records them.</summary>
public interface IAccountEvents
{
    Task PublishAsync(AccountEvent accountEvent, CancellationToken cancellationToken);
}

/// <summary>
/// Account events on the shared stack's SNS topic (<c>ACCOUNT_EVENTS_TOPIC_ARN</c>): the
/// Message is the event's JSON and the message attribute <c>type</c> (String) names it, so
/// a subscription can filter on it without parsing the body.
/// </summary>
public sealed class SnsAccountEvents(IAmazonSimpleNotificationService client, string topicArn) : IAccountEvents
{
    public Task PublishAsync(AccountEvent accountEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accountEvent);
        return client.PublishAsync(
            new PublishRequest
            {
                TopicArn = topicArn,
                Message = accountEvent.ToJson(),
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["type"] = new MessageAttributeValue { DataType = "String", StringValue = accountEvent.Type },
                },
            },
            cancellationToken);
    }
}
