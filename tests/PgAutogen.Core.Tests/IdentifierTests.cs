namespace PgAutogen.Core.Tests;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("_x1", "_x1")]
    [InlineData("Orders", "\"Orders\"")]
    [InlineData("order lines", "\"order lines\"")]
    [InlineData("select", "\"select\"")]
    [InlineData("user", "\"user\"")]
    [InlineData("name", "name")]
    [InlineData("json", "\"json\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("1abc", "\"1abc\"")]
    [InlineData("café", "\"café\"")]
    [InlineData("", "\"\"")]
    public void Quotes_like_quote_ident(string input, string expected) => Assert.Equal(expected, SqlIdentifier.Quote(input));

    [Theory]
    [InlineData("app*", "app", true)]
    [InlineData("app*", "App_Audit", true)]
    [InlineData("app*", "myapp", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("[ab]x", "bx", true)]
    [InlineData("[ab]x", "cx", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("a.b", "a.b", true)]
    public void Wildcards_match_like_powershell(string pattern, string value, bool expected) =>
        Assert.Equal(expected, new PgAutogen.Core.Catalog.CatalogFilter { Schemas = new[] { pattern } }.MatchesSchema(value));
}
