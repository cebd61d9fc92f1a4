using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static PurposePath.Account.Storage.Items;

namespace PurposePath.Account.Storage;

/// <summary>
/// Users and tenants in DynamoDB, item for item as the Python runtime writes them. An email
/// is claimed by the item <c>userId = "EMAIL#&lt;email&gt;"</c>, written in the same
/// transaction as the user and tenant with <c>attribute_not_exists</c>, so of two racing
/// registrations exactly one commits. Login reads the claim with a strongly consistent
/// GetItem rather than the eventually consistent <c>email-index</c>.
/// </summary>
public sealed class DynamoUserStore(IAmazonDynamoDB client, string usersTable, string tenantsTable) : IUserStore
{
    public const string EmailClaimPrefix = "EMAIL#";
    public const string VerifyTokenPrefix = "VERIFY#";
    public const string ResetTokenPrefix = "RESET#";
    public const string OwnerRole = "owner";

    // Read for an unknown email so both answers cost two reads; no user id has this shape.
    private const string NoUserKey = "NOUSER#";

    public static string EmailClaimKey(string email) => EmailClaimPrefix + email;

    public static string EmailTokenKey(EmailTokenKind kind, string tokenHash) =>
        (kind == EmailTokenKind.Verify ? VerifyTokenPrefix : ResetTokenPrefix) + tokenHash;

    private static readonly string[] ReservedPrefixes = [EmailClaimPrefix, VerifyTokenPrefix, ResetTokenPrefix, NoUserKey];

    public async Task<bool> TryRegisterAsync(User user, string tenantName, long now, EmailTokenItem verification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(verification);
        var claim = new Dictionary<string, AttributeValue>
        {
            ["userId"] = S(EmailClaimKey(user.Email)),
            ["ownerId"] = S(user.UserId),
            ["createdAt"] = N(now),
        };
        var userItem = new Dictionary<string, AttributeValue>
        {
            ["userId"] = S(user.UserId),
            ["email"] = S(user.Email),
            ["name"] = S(user.Name),
            ["tenantId"] = S(user.TenantId),
            ["role"] = S(user.Role),
            ["passwordHash"] = S(user.PasswordHash),
            ["emailVerified"] = new AttributeValue { BOOL = user.EmailVerified },
            ["createdAt"] = N(now),
        };
        var tenant = new Dictionary<string, AttributeValue>
        {
            ["tenantId"] = S(user.TenantId),
            ["name"] = S(tenantName),
            ["createdAt"] = N(now),
            ["ownerCount"] = N(1),
        };
        try
        {
            await client.TransactWriteItemsAsync(
                new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        PutNew(usersTable, claim, "userId"),
                        PutNew(usersTable, userItem, "userId"),
                        PutNew(tenantsTable, tenant, "tenantId"),
                        PutNew(usersTable, TokenItem(verification), "userId"),
                    ],
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException error) when (ReasonCodes(error).FirstOrDefault() == "ConditionalCheckFailed")
        {
            // The claim is the first item: its condition failing means the email is taken.
            return false;
        }
    }

    public Task RecordRegistrationAttemptAsync(string userId, long now, EmailTokenItem? verification, CancellationToken cancellationToken)
    {
        List<TransactWriteItem> writes =
        [
            new()
            {
                Update = new Update
                {
                    TableName = usersTable,
                    Key = Key("userId", userId),
                    UpdateExpression = "SET registrationAttemptedAt = :now",
                    ConditionExpression = "attribute_exists(userId)",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":now"] = N(now) },
                },
            },
        ];
        if (verification is not null)
        {
            writes.Add(PutNew(usersTable, TokenItem(verification), "userId"));
        }

        return TransactAsync(writes, cancellationToken);
    }

    /// <param name="email">The canonical address; empty for one that has none (reads <c>EMAIL#</c>, which no canonical address produces).</param>
    public async Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var claim = await GetAsync(usersTable, "userId", EmailClaimKey(email), cancellationToken).ConfigureAwait(false);
        if (claim is null)
        {
            await GetAsync(usersTable, "userId", NoUserKey, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return await FindByIdAsync(Text(claim, "ownerId"), cancellationToken).ConfigureAwait(false);
    }

    public async Task<User?> FindByIdAsync(string userId, CancellationToken cancellationToken)
    {
        if (ReservedPrefixes.Any(prefix => userId.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return null; // a claim or token item is not a user, whatever a caller passes
        }

        var item = await GetAsync(usersTable, "userId", userId, cancellationToken).ConfigureAwait(false);
        return item is null
            ? null
            : new User(
                Text(item, "userId"),
                Text(item, "email"),
                Text(item, "name"),
                Text(item, "tenantId"),
                Text(item, "role"),
                Text(item, "passwordHash"),
                !item.TryGetValue("emailVerified", out var verified) || verified.BOOL != false);
    }

    public Task MarkEmailVerifiedAsync(string userId, CancellationToken cancellationToken) =>
        client.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = usersTable,
                Key = Key("userId", userId),
                UpdateExpression = "SET emailVerified = :yes",
                ConditionExpression = "attribute_exists(userId)",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":yes"] = new() { BOOL = true } },
            },
            cancellationToken);

    public Task PutEmailTokenAsync(EmailTokenItem token, CancellationToken cancellationToken) =>
        client.PutItemAsync(
            new PutItemRequest
            {
                TableName = usersTable,
                Item = TokenItem(token),
                ConditionExpression = "attribute_not_exists(userId)",
            },
            cancellationToken);

    public async Task<string?> PeekEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken)
    {
        var item = await GetAsync(usersTable, "userId", EmailTokenKey(kind, tokenHash), cancellationToken).ConfigureAwait(false);
        return item is not null && Text(item, "kind") == KindName(kind) && Number(item, "expiresAt") > now
            ? Text(item, "ownerId")
            : null;
    }

    public async Task<string?> ConsumeEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = usersTable,
                    Key = Key("userId", EmailTokenKey(kind, tokenHash)),
                    ConditionExpression = "attribute_exists(userId) AND kind = :kind AND expiresAt > :now",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":kind"] = S(KindName(kind)),
                        [":now"] = N(now),
                    },
                    ReturnValues = ReturnValue.ALL_OLD,
                },
                cancellationToken).ConfigureAwait(false);
            return Found(response.Attributes) ? Text(response.Attributes, "ownerId") : null;
        }
        catch (ConditionalCheckFailedException)
        {
            return null; // unknown, already used, or expired
        }
    }

    public Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken) =>
        client.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = usersTable,
                Key = Key("userId", userId),
                UpdateExpression = "SET passwordHash = :hash",
                ConditionExpression = "attribute_exists(userId)",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":hash"] = S(passwordHash) },
            },
            cancellationToken);

    public async Task<Tenant?> FindTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        var item = await GetAsync(tenantsTable, "tenantId", tenantId, cancellationToken).ConfigureAwait(false);
        return item is null ? null : new Tenant(Text(item, "tenantId"), Text(item, "name"));
    }

    public async Task<bool> DeleteAsync(User user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        List<TransactWriteItem> removals =
        [
            new() { Delete = new Delete { TableName = usersTable, Key = Key("userId", user.UserId) } },
            new() { Delete = new Delete { TableName = usersTable, Key = Key("userId", EmailClaimKey(user.Email)) } },
        ];
        if (user.Role != OwnerRole)
        {
            await TransactAsync(removals, cancellationToken).ConfigureAwait(false);
            return false;
        }

        // Owners are counted on the tenant item, so "only owner" is decided by a condition
        // in the same transaction, never by a read that could be stale.
        var one = new Dictionary<string, AttributeValue> { [":one"] = N(1) };
        var lastOwner = new TransactWriteItem
        {
            Delete = new Delete
            {
                TableName = tenantsTable,
                Key = Key("tenantId", user.TenantId),
                ConditionExpression = "attribute_not_exists(tenantId) OR ownerCount <= :one",
                ExpressionAttributeValues = one,
            },
        };
        try
        {
            await TransactAsync([.. removals, lastOwner], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException)
        {
            // Another owner exists (added since the count was 1): keep the tenant.
            var oneOfSeveral = new TransactWriteItem
            {
                Update = new Update
                {
                    TableName = tenantsTable,
                    Key = Key("tenantId", user.TenantId),
                    UpdateExpression = "SET ownerCount = ownerCount - :one",
                    ConditionExpression = "ownerCount > :one",
                    ExpressionAttributeValues = one,
                },
            };
            await TransactAsync([.. removals, oneOfSeveral], cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static string KindName(EmailTokenKind kind) => kind == EmailTokenKind.Verify ? "verify" : "reset";

    private static Dictionary<string, AttributeValue> TokenItem(EmailTokenItem token) => new()
    {
        ["userId"] = S(EmailTokenKey(token.Kind, token.TokenHash)),
        ["ownerId"] = S(token.OwnerId),
        ["kind"] = S(KindName(token.Kind)),
        ["createdAt"] = N(token.CreatedAt),
        ["expiresAt"] = N(token.ExpiresAt),
    };

    private Task TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken) =>
        client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken);

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(
        string table, string keyName, string keyValue, CancellationToken cancellationToken)
    {
        var response = await client.GetItemAsync(
            new GetItemRequest { TableName = table, Key = Key(keyName, keyValue), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        return Found(response.Item) ? response.Item : null;
    }
}
