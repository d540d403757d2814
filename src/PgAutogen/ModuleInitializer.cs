using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PgAutogen;

/// <summary>
/// Loads PgAutogen.Core and its dependencies (Npgsql, ...) from deps/ into a private AssemblyLoadContext,
/// so that another module's Npgsql (SimplySql ships 8.x) neither breaks PgAutogen nor is used by it.
/// PgAutogen.dll and PgAutogen.Model.dll stay in the default context: the types on the pipeline are shared.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DepsDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "deps");

    private static readonly DependencyLoadContext Context = new(DepsDirectory);

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveCore;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveCore;

    private static Assembly? ResolveCore(AssemblyLoadContext defaultContext, AssemblyName name) =>
        string.Equals(name.Name, "PgAutogen.Core", StringComparison.Ordinal) ? Context.LoadFromAssemblyName(name) : null;

    /// <summary>Serves only the files present in deps/; everything else (the framework, PgAutogen.Model) comes from the default context.</summary>
    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;

        public DependencyLoadContext(string directory)
            : base("PgAutogen", isCollectible: false)
        {
            _directory = directory;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            foreach (var candidate in new[] { unmanagedDllName, "lib" + unmanagedDllName + ".so", "lib" + unmanagedDllName + ".dylib", unmanagedDllName + ".dll" })
            {
                var path = Path.Combine(_directory, candidate);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle))
                {
                    return handle;
                }
            }

            return IntPtr.Zero;
        }
    }
}
