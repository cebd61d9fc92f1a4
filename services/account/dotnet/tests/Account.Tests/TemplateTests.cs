using System.Text.RegularExpressions;
using PurposePath.Account.Accounts;
using PurposePath.Account.Http;

namespace PurposePath.Account.Tests;

/// <summary>Every route the code serves reaches it through the API, and nothing else does.</summary>
public sealed partial class TemplateTests
{
    [Fact]
    public void TheTemplateDeclaresExactlyTheRoutesTheCodeServes()
    {
        var text = File.ReadAllText(RepoFiles.ServiceTemplate);
        var declared = RouteEvent().Matches(text)
            .Select(match => new Route(match.Groups["method"].Value.ToUpperInvariant(), match.Groups["path"].Value))
            .OrderBy(route => route.Path, StringComparer.Ordinal).ThenBy(route => route.Method, StringComparer.Ordinal)
            .ToList();
        var served = AccountRoutes.Build(() => throw new InvalidOperationException("not called")).Routes
            .OrderBy(route => route.Path, StringComparer.Ordinal).ThenBy(route => route.Method, StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(served);
        Assert.Equal(served, declared);
    }

    [Fact]
    public void TheTemplateRunsThisAssemblysHandlerOnDotnet10()
    {
        var text = File.ReadAllText(RepoFiles.ServiceTemplate);
        Assert.Contains("Runtime: dotnet10", text, StringComparison.Ordinal);
        Assert.Contains($"Handler: {typeof(Function).Assembly.GetName().Name}::{typeof(Function).FullName}::{nameof(Function.HandleAsync)}", text, StringComparison.Ordinal);
    }

    // An HttpApi event as the template writes it: Method, then Path, on consecutive lines.
    [GeneratedRegex(@"^[ ]+Method:[ ]*(?<method>[A-Za-z]+)[ ]*\r?\n[ ]+Path:[ ]*(?<path>/\S*)[ ]*$", RegexOptions.Multiline)]
    private static partial Regex RouteEvent();
}
