using Mono.Cecil;

namespace Exports.Tests.Architecture;

/// <summary><c>Host/</c> is the composition root (issue 13 §6): it wires the app together and holds the edge every
/// route passes through, nothing else. The demo seed lives in <c>Demo/</c>, the render CLI in <c>Cli/</c>, Problem
/// Details and secrets hashing in <c>Shared/</c>, job answers in <c>Jobs/</c>. And <c>Layouts/</c> knows nothing of
/// HTTP, so the CLI, jobs and tests use it as the endpoints do.</summary>
public sealed class CompositionRootTests
{
    static readonly ModuleDefinition Module = ModuleDefinition.ReadModule(typeof(Exports.Host.AppHost).Assembly.Location);

    /// <summary>Every file of <c>api/Host</c>, each with why it is wiring. A new file fails here: put it in its slice,
    /// <c>Shared/</c>, <c>Demo/</c> or <c>Cli/</c>, or add it with its reason.</summary>
    static readonly Dictionary<string, string> HostFiles = new()
    {
        ["AppHost.cs"] = "builds the app: services, pipeline, start-up order",
        ["Settings.cs"] = "EXPORTS_* read once into typed settings",
        ["Auth.cs"] = "cookie and API-key authentication, policies",
        ["Endpoints.cs"] = "FastEndpoints set-up: the one error shape, binding, OpenAPI",
        ["Messaging.cs"] = "Wolverine set-up: queues, durability, error policies, codegen",
        ["JobsSetup.cs"] = "Quartz set-up (users' cron only)",
        ["Documents.cs"] = "Marten set-up: document mappings, schema at start-up",
        ["LegacyImport.cs"] = "start-up step: EF rows of an older version into documents",
        ["Spa.cs"] = "serves the built SPA",
        ["ApiFallback.cs"] = "the pipeline's answer for unknown /api routes",
        ["RequestGuard.cs"] = "the edge: middleware in front of every route",
        ["NullGuard.cs"] = "the edge: FastEndpoints' binding modifier",
        ["BadRequests.cs"] = "the edge: exception handler behind every route",
        ["ExportGate.cs"] = "the edge: this node's admission for synchronous exports (a singleton of the process)",
        ["FileResponse.cs"] = "the edge: streams a file under the gate's slots and idle rule",
        ["UtcInstants.cs"] = "JSON options of the host",
    };

    [Fact]
    public void HostHoldsOnlyWiring()
    {
        var host = Path.Combine(Exports.Tests.Infrastructure.NodeReaders.Root, "api", "Host");
        var files = Directory.EnumerateFiles(host, "*.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var unexpected = files.Where(f => !HostFiles.ContainsKey(f!)).ToList();
        Assert.True(unexpected.Count == 0, "Not composition; move to its slice, Shared/, Demo/ or Cli/ (or list it with its reason): " + string.Join(", ", unexpected));
        Assert.Contains("AppHost.cs", files); // the rule looks at the right folder
        foreach (var moved in new[] { "DemoSeed.cs", "DemoVisuals.cs", "RenderCommand.cs", "Problems.cs", "Secrets.cs", "JobResults.cs" })
            Assert.DoesNotContain(moved, files);
    }

    /// <summary>What the rest of the api may use of Host: the settings, the edge's pieces that endpoints call, and
    /// the builder (for the CLI). Anything else named from outside is a helper living in the wrong place.</summary>
    static readonly HashSet<string> UsableFromOutside =
    [
        "Exports.Host.ExportsSettings", "Exports.Host.StreamSettings", "Exports.Host.JobSettings", "Exports.Host.LoginSettings",
        "Exports.Host.SettingsException",
        "Exports.Host.ExportGate", "Exports.Host.SyncKind", "Exports.Host.FileResponse", "Exports.Host.IdleClientException",
        "Exports.Host.IQueryBound", "Exports.Host.RequestGuard", "Exports.Host.NullGuard", "Exports.Host.BadRequests",
        "Exports.Host.Auth", "Exports.Host.AppHost", "Exports.Host.Documents", "Exports.Host.LegacyImport",
    ];

    [Fact]
    public void OutsideHost_OnlyWiringTypesAreUsed()
    {
        var used = References().Where(r => r.ToNs.StartsWith("Exports.Host", StringComparison.Ordinal)
                && !r.FromNs.StartsWith("Exports.Host", StringComparison.Ordinal) && r.FromNs.StartsWith("Exports", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(used, r => r.To == "Exports.Host.ExportsSettings"); // the scan sees references into Host
        var bad = used.Where(r => !UsableFromOutside.Contains(r.To)).Select(r => $"{r.From} -> {r.To}").Distinct().Order().ToList();
        Assert.True(bad.Count == 0, "Host types used outside the composition root:\n" + string.Join("\n", bad));
    }

    /// <summary>Nothing that draws, writes, lays out or plans names Host at all, nor does Shared (Host uses it).</summary>
    [Theory]
    [InlineData("Exports.Layouts")]
    [InlineData("Exports.Rendering")]
    [InlineData("Exports.Formats")]
    [InlineData("Exports.Shared")]
    [InlineData("Exports.Series")]
    public void Layer_NamesNothingOfHost(string layer)
    {
        var bad = References().Where(r => r.FromNs.StartsWith(layer, StringComparison.Ordinal) && r.ToNs.StartsWith("Exports.Host", StringComparison.Ordinal))
            .Select(r => $"{r.From} -> {r.To}").Distinct().ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    /// <summary>Layouts know nothing of HTTP: no type of Microsoft.AspNetCore.Http (IQueryCollection, HttpContext,
    /// IResult, TypedResults) in any signature, field, generic argument or method body; HTTP answers are made by the
    /// endpoints and the gate.</summary>
    [Fact]
    public void Layouts_HaveNoReferenceToAspNetCoreHttp()
    {
        var refs = References().Where(r => r.FromNs.StartsWith("Exports.Layouts", StringComparison.Ordinal)).ToList();
        Assert.Contains(refs, r => r.ToNs == "Microsoft.Extensions.Primitives"); // the scan sees generic arguments (LayoutOverrides.Parse)
        var http = refs.Where(r => r.ToNs.StartsWith("Microsoft.AspNetCore.Http", StringComparison.Ordinal))
            .Select(r => $"{r.From} -> {r.To}").Distinct().ToList();
        Assert.True(http.Count == 0, string.Join("\n", http));
        // and the scan would see one: the web layer's own types reference it
        Assert.Contains(References(), r => r.FromNs.StartsWith("Exports.Host", StringComparison.Ordinal) && r.ToNs.StartsWith("Microsoft.AspNetCore.Http", StringComparison.Ordinal));
    }

    static readonly Lazy<List<(string From, string FromNs, string To, string ToNs)>> All = new(Scan);

    /// <summary>Every type any type of the api names (top-level types on both ends), through base types, interfaces,
    /// fields, properties, signatures, locals, method bodies, attributes and generic arguments.</summary>
    static List<(string From, string FromNs, string To, string ToNs)> References() => All.Value;

    static List<(string From, string FromNs, string To, string ToNs)> Scan()
    {
        var set = new HashSet<(string, string, string, string)>();
        foreach (var type in Module.Types.SelectMany(Nested))
        {
            var top = type;
            while (top.DeclaringType is not null) top = top.DeclaringType;
            var refs = new List<TypeReference>();
            if (type.BaseType is not null) refs.Add(type.BaseType);
            refs.AddRange(type.Interfaces.Select(i => i.InterfaceType));
            refs.AddRange(type.Fields.Select(f => f.FieldType));
            refs.AddRange(type.Properties.Select(p => p.PropertyType));
            refs.AddRange(type.CustomAttributes.Select(a => a.AttributeType));
            foreach (var m in type.Methods)
            {
                refs.Add(m.ReturnType);
                refs.AddRange(m.Parameters.Select(p => p.ParameterType));
                refs.AddRange(m.CustomAttributes.Select(a => a.AttributeType));
                if (!m.HasBody) continue;
                refs.AddRange(m.Body.Variables.Select(v => v.VariableType));
                foreach (var ins in m.Body.Instructions)
                    switch (ins.Operand)
                    {
                        case TypeReference t: refs.Add(t); break;
                        case MethodReference mr:
                            refs.Add(mr.DeclaringType);
                            refs.Add(mr.ReturnType);
                            refs.AddRange(mr.Parameters.Select(p => p.ParameterType));
                            if (mr is GenericInstanceMethod gm) refs.AddRange(gm.GenericArguments);
                            break;
                        case FieldReference fr: refs.Add(fr.DeclaringType); refs.Add(fr.FieldType); break;
                    }
            }
            foreach (var r in refs.Where(r => r is not null).SelectMany(Expand))
            {
                var t = r;
                while (t.DeclaringType is not null) t = t.DeclaringType;
                if (t.Namespace.Length == 0) continue;
                set.Add((top.FullName, top.Namespace, t.FullName, t.Namespace));
            }
        }
        return set.ToList();
    }

    /// <summary>A type and every type inside it: element types of arrays and pointers, generic arguments.</summary>
    static IEnumerable<TypeReference> Expand(TypeReference? t)
    {
        switch (t)
        {
            case GenericInstanceType g:
                yield return g.ElementType;
                foreach (var a in g.GenericArguments.SelectMany(Expand)) yield return a;
                break;
            case TypeSpecification s:
                foreach (var e in Expand(s.ElementType)) yield return e;
                break;
            case null or GenericParameter:
                break;
            default:
                yield return t;
                break;
        }
    }

    static IEnumerable<TypeDefinition> Nested(TypeDefinition t) => new[] { t }.Concat(t.NestedTypes.SelectMany(Nested));
}
