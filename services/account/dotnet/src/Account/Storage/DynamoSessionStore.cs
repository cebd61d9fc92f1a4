using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using PurposePath.Account.Auth;
using static PurposePath.Account.Storage.Items;

namespace PurposePath.Account.Storage;

/// <summary>
/// Sessions and refresh tokens in DynamoDB, item for item as the Python runtime writes
/// them. A session lives 30 days from login and is never extended. A rotation spends the
/// presented token, stores its successor and checks the session is still live, all in one
/// transaction. The session item is the kill switch: its check in every rotation is
/// strongly consistent, while listing a session's tokens goes through an eventually
/// consistent index.
/// </summary>
public sealed class DynamoSessionStore(IAmazonDynamoDB client, string sessionsTable, string tokensTable) : ISessionStore
{
    public const long SessionLifetimeSeconds = 30L * 24 * 3600;

    // "status" is a DynamoDB reserved word: expressions name it through #status.
    private static Dictionary<string, string> StatusName => new() { ["#status"] = "status" };

    public Task StartAsync(string sessionId, User user, string tokenHash, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var session = new Dictionary<string, AttributeValue>
        {
            ["sessionId"] = S(sessionId),
            ["userId"] = S(user.UserId),
            ["tenantId"] = S(user.TenantId),
            ["createdAt"] = N(now),
            ["expiresAt"] = N(now + SessionLifetimeSeconds),
            ["status"] = S(Status.Active),
        };
        return client.TransactWriteItemsAsync(
            new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    PutNew(sessionsTable, session, "sessionId"),
                    PutNew(tokensTable, TokenItem(tokenHash, sessionId, user.UserId, user.TenantId, now), "tokenHash"),
                ],
            },
            cancellationToken);
    }

    public async Task<TokenRecord?> FindTokenAsync(string tokenHash, CancellationToken cancellationToken)
    {
        var response = await client.GetItemAsync(
            new GetItemRequest { TableName = tokensTable, Key = Key("tokenHash", tokenHash), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        if (!Found(response.Item))
        {
            return null;
        }

        var item = response.Item;
        return new TokenRecord(
            Text(item, "tokenHash"),
            Text(item, "sessionId"),
            Text(item, "userId"),
            Text(item, "tenantId"),
            Text(item, "status"),
            Number(item, "expiresAt"));
    }

    public async Task<bool> IsActiveAsync(string sessionId, long now, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(sessionId))
        {
            return false; // a legacy token names no session: it belongs to none
        }

        var response = await client.GetItemAsync(
            new GetItemRequest { TableName = sessionsTable, Key = Key("sessionId", sessionId), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        return Found(response.Item)
            && response.Item.TryGetValue("status", out var status) && status.S == Status.Active
            && Number(response.Item, "expiresAt") > now;
    }

    public async Task<Rotation> RotateAsync(TokenRecord current, string successorHash, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        var spend = new TransactWriteItem
        {
            Update = new Update
            {
                TableName = tokensTable,
                Key = Key("tokenHash", current.TokenHash),
                UpdateExpression = "SET #status = :used, usedAt = :now",
                ConditionExpression = "#status = :active",
                ExpressionAttributeNames = StatusName,
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":used"] = S(Status.Used),
                    [":active"] = S(Status.Active),
                    [":now"] = N(now),
                },
            },
        };
        var successor = PutNew(
            tokensTable,
            TokenItem(successorHash, current.SessionId, current.UserId, current.TenantId, now),
            "tokenHash");
        var sessionIsLive = new TransactWriteItem
        {
            ConditionCheck = new ConditionCheck
            {
                TableName = sessionsTable,
                Key = Key("sessionId", current.SessionId),
                ConditionExpression = "#status = :active AND expiresAt > :now",
                ExpressionAttributeNames = StatusName,
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":active"] = S(Status.Active),
                    [":now"] = N(now),
                },
            },
        };
        try
        {
            await client.TransactWriteItemsAsync(
                new TransactWriteItemsRequest { TransactItems = [spend, successor, sessionIsLive] },
                cancellationToken).ConfigureAwait(false);
            return Rotation.Rotated;
        }
        catch (TransactionCanceledException error)
        {
            // The spend is the first item: its condition failing means another holder spent it.
            return ReasonCodes(error).FirstOrDefault() == "ConditionalCheckFailed" ? Rotation.AlreadySpent : Rotation.Refused;
        }
    }

    public async Task EndAsync(string sessionId, long now, CancellationToken cancellationToken)
    {
        try
        {
            await client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = sessionsTable,
                    Key = Key("sessionId", sessionId),
                    UpdateExpression = "SET #status = :revoked, revokedAt = :now",
                    ConditionExpression = "attribute_exists(sessionId)",
                    ExpressionAttributeNames = StatusName,
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":revoked"] = S(Status.Revoked),
                        [":now"] = N(now),
                    },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // No such session (already purged): its tokens are revoked below all the same.
        }

        await foreach (var token in QueryAllAsync(client, tokensTable, "session-index", "sessionId", sessionId, cancellationToken)
                           .ConfigureAwait(false))
        {
            if (token.TryGetValue("status", out var status) && status.S == Status.Revoked)
            {
                continue;
            }

            try
            {
                await client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = tokensTable,
                        Key = Key("tokenHash", Text(token, "tokenHash")),
                        UpdateExpression = "SET #status = :revoked",
                        ConditionExpression = "attribute_exists(tokenHash)",
                        ExpressionAttributeNames = StatusName,
                        ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":revoked"] = S(Status.Revoked) },
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ConditionalCheckFailedException)
            {
                // Deleted since the index listed it: nothing left to revoke.
            }
        }
    }

    public async Task<IReadOnlyList<string>> SessionIdsOfUserAsync(string userId, CancellationToken cancellationToken)
    {
        var sessionIds = new List<string>();
        await foreach (var session in QueryAllAsync(client, sessionsTable, "user-index", "userId", userId, cancellationToken)
                           .ConfigureAwait(false))
        {
            sessionIds.Add(Text(session, "sessionId"));
        }

        return sessionIds;
    }

    public async Task PurgeUserAsync(string userId, CancellationToken cancellationToken)
    {
        var sessionIds = await SessionIdsOfUserAsync(userId, cancellationToken).ConfigureAwait(false);
        foreach (var sessionId in sessionIds)
        {
            await foreach (var token in QueryAllAsync(client, tokensTable, "session-index", "sessionId", sessionId, cancellationToken)
                               .ConfigureAwait(false))
            {
                await DeleteAsync(tokensTable, "tokenHash", Text(token, "tokenHash"), cancellationToken).ConfigureAwait(false);
            }

            await DeleteAsync(sessionsTable, "sessionId", sessionId, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task DeleteAsync(string table, string keyName, string keyValue, CancellationToken cancellationToken) =>
        client.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(keyName, keyValue) }, cancellationToken);

    private static Dictionary<string, AttributeValue> TokenItem(
        string tokenHash, string sessionId, string userId, string tenantId, long now) => new()
    {
        ["tokenHash"] = S(tokenHash),
        ["sessionId"] = S(sessionId),
        ["userId"] = S(userId),
        ["tenantId"] = S(tenantId),
        ["status"] = S(Status.Active),
        ["createdAt"] = N(now),
        ["expiresAt"] = N(now + RefreshTokens.LifetimeSeconds),
    };
}
