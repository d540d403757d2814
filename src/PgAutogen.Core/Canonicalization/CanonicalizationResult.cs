using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Canonicalization;

/// <summary>The current and desired states, as PostgreSQL itself stores them, and what canonicalization decided about them.</summary>
public sealed class CanonicalizationResult
{
    /// <summary>The managed objects of the database before the declarations ran (within the filter).</summary>
    public required IReadOnlyList<PgObject> Current { get; init; }

    /// <summary>Exactly the objects the declarations created or replaced, read back from the catalog (within the filter).</summary>
    public required IReadOnlyList<PgObject> Desired { get; init; }

    /// <summary>By object key: the declaration behind each desired object, the objects dropped and created again and why, the declared comments.</summary>
    public required ObjectDecisions Decisions { get; init; }

    /// <summary>The schema unqualified declarations were created in (current_schema()).</summary>
    public required string CurrentSchema { get; init; }

    /// <summary>The role the compare ran as (current_user).</summary>
    public required string CurrentUser { get; init; }
}
