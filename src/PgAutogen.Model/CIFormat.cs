namespace PgAutogen;

/// <summary>How Test-PgDeclaration announces drift to a CI system.</summary>
public enum CIFormat
{
    /// <summary>No annotations.</summary>
    None,
    /// <summary>Azure DevOps when TF_BUILD is set, GitHub Actions when GITHUB_ACTIONS is, else none.</summary>
    Auto,
    /// <summary>##vso[task.logissue ...] logging commands.</summary>
    AzureDevOps,
    /// <summary>::warning file=...,line=...:: workflow commands.</summary>
    GitHubActions,
}
