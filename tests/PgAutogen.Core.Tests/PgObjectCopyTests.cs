using System.Reflection;

namespace PgAutogen.Core.Tests;

/// <summary>PgObject is copied in one place (its copy constructor): a property added later cannot be dropped by a copy.</summary>
public sealed class PgObjectCopyTests
{
    [Fact]
    public void The_copy_constructor_copies_every_property()
    {
        var properties = typeof(PgObject).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var source = new PgObject(PgObjectKind.MaterializedView, "schema", "name", "identity", "definition");
        foreach (var property in properties.Where(p => p.SetMethod is { IsPublic: true }))
        {
            property.SetValue(source, Sample(property));
        }

        var copy = new PgObject(source);

        foreach (var property in properties)
        {
            var value = property.GetValue(source);
            Assert.False(IsDefault(value, property.PropertyType), $"PgObject.{property.Name} still has its default value in the test: give it one");
            Assert.Equal(value, property.GetValue(copy));
        }
    }

    [Fact]
    public void An_initializer_on_the_copy_changes_only_what_it_names()
    {
        var source = new PgObject(PgObjectKind.View, "app", "v", "app.v", "CREATE VIEW app.v AS SELECT 1") { Owner = "alice", Comment = "c", Oid = 7 };

        var copy = new PgObject(source) { Definition = "CREATE VIEW app.v AS SELECT 2", Comment = null };

        Assert.Equal(("CREATE VIEW app.v AS SELECT 2", (string?)null, "alice", 7u), (copy.Definition, copy.Comment, copy.Owner, copy.Oid));
        Assert.Equal("CREATE VIEW app.v AS SELECT 1", source.Definition);
    }

    /// <summary>A value other than the property type's default, for every type PgObject's settable properties have.</summary>
    private static object Sample(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string))
        {
            return property.Name + " value";
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(uint))
        {
            return 42u;
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).Cast<object>().Last();
        }

        if (type == typeof(IReadOnlyList<string>))
        {
            return new[] { property.Name };
        }

        if (type == typeof(PolicyClauses))
        {
            return new PolicyClauses("SELECT", permissive: false, new[] { "alice" }, "true", null);
        }

        throw new InvalidOperationException($"PgObject.{property.Name} has a type ({type}) this test has no sample of: add one.");
    }

    private static bool IsDefault(object? value, Type type) =>
        value is null
        || (type.IsValueType && Nullable.GetUnderlyingType(type) is null && value.Equals(Activator.CreateInstance(type)))
        || value is IReadOnlyList<string> { Count: 0 };
}
