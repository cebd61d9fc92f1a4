using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace PurposePath.Account.Storage;

/// <summary>Builds and reads DynamoDB attribute maps in the item formats both runtimes share.</summary>
internal static class Items
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static Dictionary<string, AttributeValue> Key(string name, string value) => new() { [name] = S(value) };

    /// <summary>True when a GetItem found an item (SDK v4 leaves <c>Item</c> null when it did not).</summary>
    public static bool Found(Dictionary<string, AttributeValue>? item) => item is { Count: > 0 };

    public static string Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.S is { } text
            ? text
            : throw new InvalidDataException($"item attribute '{name}' is missing or not a string; the item breaks FORMATS.md");

    public static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value)
        && long.TryParse(value.N, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"item attribute '{name}' is missing or not an integer; the item breaks FORMATS.md");

    /// <summary>A transaction Put that fails when an item with the same key exists.</summary>
    public static TransactWriteItem PutNew(string table, Dictionary<string, AttributeValue> item, string keyName) => new()
    {
        Put = new Put
        {
            TableName = table,
            Item = item,
            ConditionExpression = "attribute_not_exists(#key)",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#key"] = keyName },
        },
    };

    /// <summary>The per-item reasons of a cancelled transaction, in request order ("None" = that item passed).</summary>
    public static IReadOnlyList<string> ReasonCodes(TransactionCanceledException error) =>
        error.CancellationReasons?.Select(reason => reason.Code ?? "None").ToList() ?? [];

    /// <summary>Every item of a Query, page by page.</summary>
    public static async IAsyncEnumerable<Dictionary<string, AttributeValue>> QueryAllAsync(
        Amazon.DynamoDBv2.IAmazonDynamoDB client,
        string table,
        string index,
        string attribute,
        string value,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var page = await client.QueryAsync(
                new QueryRequest
                {
                    TableName = table,
                    IndexName = index,
                    KeyConditionExpression = "#key = :value",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#key"] = attribute },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":value"] = S(value) },
                    ExclusiveStartKey = startKey,
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                yield return item;
            }

            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);
    }
}
