using System.Collections.ObjectModel;

namespace PgAutogen;

/// <summary>
/// A read-only list of strings whose text is its items joined with ", ": what Export-Csv, Format-Table and string
/// conversion show (not "System.String[]"), while ConvertTo-Json and the pipeline still see a list.
/// </summary>
public sealed class StringList : ReadOnlyCollection<string>
{
    public static new readonly StringList Empty = new(Array.Empty<string>());

    public StringList(IList<string> items)
        : base(items)
    {
    }

    /// <summary>The list itself when it already is a StringList, else a copy.</summary>
    public static StringList From(IReadOnlyList<string>? items) => items switch
    {
        null => Empty,
        StringList list => list,
        { Count: 0 } => Empty,
        _ => new StringList(items.ToArray()),
    };

    public override string ToString() => string.Join(", ", this);
}
