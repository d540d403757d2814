using System.Globalization;
using System.Text;

namespace PgAutogen.Bench;

/// <summary>The result tables (Markdown) and the verdict on the issue's targets.</summary>
internal static class Report
{
    public static string Markdown(IReadOnlyList<ScaleResult> results, BenchRunner runner, BenchOptions options)
    {
        var sb = new StringBuilder();
        var module = results.Any(r => r.ModuleEndToEndMs is not null);
        sb.AppendLine(Invariant($"{runner.ServerDescription}; {Environment.ProcessorCount} cores; .NET {Environment.Version}; seed {options.Seed}; {options.Shape.ToString().ToLowerInvariant()} shape; median of {options.Runs} run(s){(options.Warmup ? " after a warm-up" : "")}{(options.Shuffle ? "; compared files in a shuffled order" : "")}{(options.Shortcut ? "" : "; parse-tree shortcut off")}."));
        sb.AppendLine();
        Cold(sb, results);
        if (options.ColdOnly)
        {
            foreach (var r in results)
            {
                sb.AppendLine(Invariant($"- N = {r.Scale:N0}: {r.Shape}; generated in {S(r.GenerateMs)} s, loaded in {S(r.LoadMs)} s."));
            }

            sb.AppendLine();
            sb.AppendLine("Targets (cold rows only):");
            sb.AppendLine();
            foreach (var line in ColdTargets(results))
            {
                sb.AppendLine("- " + line);
            }

            return sb.ToString();
        }

        sb.AppendLine("| N | declarations | steps | end-to-end" + (module ? " (module)" : " (engine)") + " | floor | ratio | ratio, paired | objects/s | peak working set |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            sb.AppendLine(Invariant($"| {r.Scale:N0} | {r.Declarations:N0} | {r.Steps:N0} | {S(r.EndToEndMs)} | {S(r.Floor.TotalMs)} | {r.Ratio:0.00} | {r.PairedRatio:0.00} | {r.ObjectsPerSecond:N0} | {Mb(r.ModulePeakWorkingSet)} |"));
        }

        sb.AppendLine();
        sb.AppendLine("Phases (median, seconds):");
        sb.AppendLine();
        sb.AppendLine("| N | parse (statements/s) | inspect | canonicalize | ↳ current read | ↳ execute | ↳ resolve + validate | ↳ read back | ↳ downgrade check, rollback | diff + order | render | engine end-to-end | module end-to-end | -Verify | floor: read / batch / read |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var parse = Invariant($"{S(r.ParseMs)} ({r.Declarations / (r.ParseMs / 1000):N0})");
            sb.AppendLine(Invariant($"| {r.Scale:N0} | {parse} | {S(r.InspectMs)} | {S(r.CanonicalizeMs)} | {S(r.CurrentReadMs)} | {S(r.ExecuteMs)} | {S(r.ValidateMs)} | {S(r.ReadBackMs)} | {S(r.RestMs)} | {S(r.PlanMs)} | {S(r.RenderMs)} | {S(r.CoreEndToEndMs)} | {(r.ModuleEndToEndMs is { } m ? S(m) : "n/a")} | {S(r.VerifyMs)} | {S(r.Floor.ReadBeforeMs)} / {S(r.Floor.ExecuteMs)} / {S(r.Floor.ReadAfterMs)} |"));
        }

        sb.AppendLine();
        foreach (var r in results)
        {
            sb.AppendLine(Invariant($"- N = {r.Scale:N0}: -Verify (upgrade, compare again, downgrade, catalog checks, rolled back) {S(r.VerifyMs)} s, {r.VerifyMs / r.EndToEndMs:0.00} × the {(r.ModuleEndToEndMs is null ? "engine" : "module")} end-to-end it is added to."));
            sb.AppendLine(Invariant($"- N = {r.Scale:N0}: {r.Shape}; generated in {S(r.GenerateMs)} s, loaded in {S(r.LoadMs)} s; benchmark process peak {Mb(r.BenchPeakWorkingSet)}; load average {r.LoadAverage}."));
        }

        foreach (var r in results.Where(r => r.Safety is not null))
        {
            var safety = r.Safety!;
            sb.AppendLine(Invariant($"- N = {r.Scale:N0}, what a compare costs a busy database: the longest one-row UPDATE of {safety.WriterTable} (whose trigger the compare replaces) waited {S(safety.WriterBlockedMs)} s during a live compare ({S(safety.WriterBaselineMs)} s without one)."));
            sb.AppendLine(safety.ShadowFirstMs is { } first
                ? Invariant($"- N = {r.Scale:N0}, -Shadow (the target only read): the first compare {S(first)} s (throwaway server, roles, pg_dump --schema-only, restore, compare), the next {S(safety.ShadowReusedMs ?? 0)} s (shadow reused), against {S(r.CoreEndToEndMs)} s live.")
                : Invariant($"- N = {r.Scale:N0}, -Shadow: not measured (no pg_dump of the server's major or newer on this machine)."));
        }

        if (runner.ImportProbe is { } import)
        {
            sb.AppendLine(Invariant($"- Import-Module of out/PgAutogen, cold (fresh host process, median): {import.ImportMs:0} ms; opening the runspace before it: {import.RunspaceMs:0} ms."));
        }

        sb.AppendLine();
        if (options.Quick)
        {
            sb.AppendLine("Targets: not judged in --quick mode (one cold run at N = 500 proves that the benchmark works, nothing more).");
            return sb.ToString();
        }

        sb.AppendLine("Targets:");
        sb.AppendLine();
        foreach (var line in Targets(results, runner))
        {
            sb.AppendLine("- " + line);
        }

        return sb.ToString();
    }

    /// <summary>The cold rows (issue 19): one table, every figure a whole process (medians, seconds), and the ratios paired per run.</summary>
    private static void Cold(StringBuilder sb, IReadOnlyList<ScaleResult> results)
    {
        var cold = results.Where(r => r.Cold is not null).ToList();
        if (cold.Count == 0)
        {
            return;
        }

        sb.AppendLine("Single-shot, as a pipeline step sees it (each figure a fresh process; median seconds; ratios paired per run):");
        sb.AppendLine();
        sb.AppendLine("| N | Shell alone | + Import-Module | + one compare | module's own (− Shell alone) | floor process (node + pg) | node alone | module's own / floor process | whole Shell / floor process | migra | speed-up over migra (whole / module's own) | peak |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in cold)
        {
            var c = r.Cold!;
            sb.AppendLine(Invariant($"| {r.Scale:N0} | {S(c.ShellNothingMs)} | {S(c.ShellImportMs)} | {S(c.ShellCompareMs)} | {S(c.ModuleCostMs)} | {S(c.FloorProcessMs)} | {S(c.NodeNothingMs)} | **{c.PairedRatio:0.00}** | {c.PairedRatioWhole:0.00} | {(c.MigraMs is { } m ? S(m) : "n/a")} | {(c.SpeedUp is { } x ? Invariant($"{x:0.0} × / {c.SpeedUpModuleCost:0.0} ×") : "n/a")} | {Mb(c.PeakBytes)} |"));
        }

        sb.AppendLine();
        foreach (var r in cold)
        {
            var c = r.Cold!;
            sb.AppendLine(Invariant($"- N = {r.Scale:N0}: the Shell is {c.Shell}; the module's own cost over the floor process with node's own start subtracted too: {c.PairedRatioBothNet:0.00} ×."));
            sb.AppendLine(Invariant($"- N = {r.Scale:N0}: {(c.Pwsh ? Invariant($"pwsh alone {S(c.PwshNothingMs ?? 0)} s, + Import-Module and one compare {S(c.PwshCompareMs ?? 0)} s: {c.PwshPairedRatio:0.00} × the floor process") : "no pwsh on this machine: the Shell's row only")}."));
            if (c.PeerCheck is not null)
            {
                sb.AppendLine(Invariant($"- N = {r.Scale:N0}: migra --unsafe (@pgkit/migra) against a database built from the same declarations: {S(c.MigraMs ?? 0)} s as a process (its script complete at {S(c.MigraOutputMs ?? 0)} s); its script has {c.PeerCheck}, against the mutation's {c.ChangedObjects} objects."));
            }

            if (r.ShortcutLine is not null)
            {
                sb.AppendLine(Invariant($"- N = {r.Scale:N0}, the cold compare's engine: {r.ShortcutLine}"));
            }
        }

        sb.AppendLine();
    }

    private static IEnumerable<string> ColdTargets(IReadOnlyList<ScaleResult> results)
    {
        foreach (var r in results.Where(r => r.Cold is not null))
        {
            var c = r.Cold!;
            var limit = r.Scale >= 20000 ? 1.3 : 1.5;
            yield return Invariant($"single-shot: the module's own cost ≤ {limit:0.0} × the floor process at N = {r.Scale:N0}: {c.PairedRatio:0.00} × (paired) — {(c.PairedRatio <= limit ? "met" : "MISSED")}");
            if (c.SpeedUp is { } speedUp)
            {
                yield return Invariant($"≥ 10 × faster than migra single-shot at N = {r.Scale:N0}: {speedUp:0.0} × (whole processes), {c.SpeedUpModuleCost:0.0} × (the module's own cost) — {(speedUp >= 10 ? "met" : c.SpeedUpModuleCost >= 10 ? "met for the module's own cost only" : "MISSED")}; migra's change set: {c.PeerCheck}");
            }

            if (r.Scale >= 20000)
            {
                yield return Invariant($"peak ≤ 300 MB single-shot at N = {r.Scale:N0}: {Mb(c.PeakBytes)} — {(c.PeakBytes <= 300L * 1024 * 1024 ? "met" : "MISSED")}");
            }
        }
    }

    private static IEnumerable<string> Targets(IReadOnlyList<ScaleResult> results, BenchRunner runner)
    {
        foreach (var line in ColdTargets(results))
        {
            yield return line;
        }

        foreach (var r in results.Where(r => r.Scale >= 5000 && r.ModuleEndToEndMs is not null))
        {
            yield return Invariant($"warm: the module ≤ 1.0 × the floor at N = {r.Scale:N0}: {r.PairedRatio:0.00} × (paired) — {(r.PairedRatio <= 1.0 ? "met" : "MISSED")}");
        }

        foreach (var r in results.Where(r => r.Scale >= 5000))
        {
            yield return Invariant($"end-to-end ≤ 1.3 × floor at N = {r.Scale:N0}: {r.PairedRatio:0.00} × (paired; {r.Ratio:0.00} × of the medians) — {(r.PairedRatio <= 1.3 ? "met" : "MISSED")}");
        }

        var n5 = results.FirstOrDefault(r => r.Scale == 5000);
        var n20 = results.FirstOrDefault(r => r.Scale == 20000);
        if (n5 is not null && n20 is not null)
        {
            var growth = n20.EndToEndMs / n5.EndToEndMs;
            var floorGrowth = n20.Floor.TotalMs / n5.Floor.TotalMs;
            yield return Invariant($"N = 20,000 ≤ 4.5 × N = 5,000: {growth:0.00} × — {(growth <= 4.5 ? "met" : "MISSED")} (the floor itself grows {floorGrowth:0.00} ×)");
        }

        foreach (var r in results)
        {
            var rate = r.Declarations / (r.ParseMs / 1000);
            yield return Invariant($"parse ≥ 20,000 statements/s at N = {r.Scale:N0}: {rate:N0}/s — {(rate >= 20000 ? "met" : "MISSED")}");
        }

        if (runner.ImportProbe is { } import)
        {
            yield return Invariant($"Import-Module ≤ 1 s cold: {import.ImportMs:0} ms — {(import.ImportMs <= 1000 ? "met" : "MISSED")}");
        }

        if (n20?.ModulePeakWorkingSet is { } peak)
        {
            yield return Invariant($"peak working set ≤ 500 MB at N = 20,000: {Mb(peak)} — {(peak <= 500L * 1024 * 1024 ? "met" : "MISSED")}");
        }
    }

    private static string S(double ms) => (ms / 1000).ToString(ms < 10_000 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

    private static string Mb(long? bytes) => bytes is { } b ? Invariant($"{b / 1024.0 / 1024.0:0} MB") : "n/a";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
