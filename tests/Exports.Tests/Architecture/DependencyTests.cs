using Mono.Cecil;

namespace Exports.Tests.Architecture;

/// <summary>The dependency rules of the house style, checked on the compiled assembly: pure formats, a shared
/// query engine that knows no slice, and slices that never reach into each other.</summary>
public sealed class DependencyTests
{
    static readonly ModuleDefinition Module = ModuleDefinition.ReadModule(typeof(Exports.Host.AppHost).Assembly.Location);

    /// <summary>Every reference from a type of the api to another of its types: namespaces, and the top-level types.</summary>
    static IEnumerable<(string From, string To, string FromType, string ToType)> TypeReferences()
    {
        foreach (var type in Module.Types.SelectMany(Nested))
        {
            var top = type;
            while (top.DeclaringType is not null) top = top.DeclaringType;
            var from = type.Namespace is { Length: > 0 } ns ? ns : type.DeclaringType?.Namespace ?? "";
            var refs = new List<TypeReference>();
            if (type.BaseType is not null) refs.Add(type.BaseType);
            refs.AddRange(type.Fields.Select(f => f.FieldType));
            foreach (var m in type.Methods)
            {
                refs.Add(m.ReturnType);
                refs.AddRange(m.Parameters.Select(p => p.ParameterType));
                if (!m.HasBody) continue;
                foreach (var ins in m.Body.Instructions)
                    switch (ins.Operand)
                    {
                        case TypeReference t: refs.Add(t); break;
                        case MethodReference mr: refs.Add(mr.DeclaringType); break;
                        case FieldReference fr: refs.Add(fr.DeclaringType); break;
                    }
                refs.AddRange(m.Body.Variables.Select(v => v.VariableType));
            }
            foreach (var r in refs)
            {
                var t = r.GetElementType();
                while (t.DeclaringType is not null) t = t.DeclaringType;
                if (t.Namespace.StartsWith("Exports")) yield return (from, t.Namespace, top.FullName, t.FullName);
            }
        }
    }

    static IEnumerable<TypeDefinition> Nested(TypeDefinition t) => new[] { t }.Concat(t.NestedTypes.SelectMany(Nested));

    static readonly List<(string From, string To, string FromType, string ToType)> Typed = TypeReferences().Distinct().ToList();
    static readonly List<(string From, string To)> All = Typed.Select(r => (r.From, r.To)).Distinct().ToList();

    [Theory]
    [InlineData("Exports.Formats", "Exports.Series")]
    [InlineData("Exports.Formats", "Exports.Features")]
    [InlineData("Exports.Formats", "Exports.Host")]
    [InlineData("Exports.Formats", "Exports.Data")]
    [InlineData("Exports.Rendering", "Exports.Series")]
    [InlineData("Exports.Rendering", "Exports.Layouts")]
    [InlineData("Exports.Rendering", "Exports.Features")]
    [InlineData("Exports.Rendering", "Exports.Host")]
    [InlineData("Exports.Rendering", "Exports.Data")]
    [InlineData("Exports.Layouts", "Exports.Features")]
    [InlineData("Exports.Layouts", "Exports.Host")]
    [InlineData("Exports.Series", "Exports.Features")]
    [InlineData("Exports.Series", "Exports.Host")]
    [InlineData("Exports.Data", "Exports.Features")]
    [InlineData("Exports.Jobs", "Exports.Features")]
    [InlineData("Exports.Jobs", "Exports.Delivery")]
    [InlineData("Exports.Delivery", "Exports.Features")]
    [InlineData("Exports.Storage", "Exports.Features")]
    [InlineData("Exports.Storage", "Exports.Jobs")]
    [InlineData("Exports.Storage", "Exports.Series")]
    [InlineData("Exports.Storage", "Exports.Layouts")]
    [InlineData("Exports.Storage", "Exports.Host")]
    [InlineData("Exports.Storage", "Exports.Data")]
    public void Layer_DoesNotDependOn(string layer, string forbidden)
    {
        var bad = All.Where(r => r.From.StartsWith(layer) && r.To.StartsWith(forbidden)).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    /// <summary>Painters, layouts and writers draw only through <c>ICanvas</c> and <c>IRenderBackend</c>: no type
    /// outside the Cairo backend names one of its types, except <c>RenderBackend</c>, the one place that picks it. A
    /// second backend is then one implementation of those two interfaces.</summary>
    [Fact]
    public void OnlyTheCairoBackend_ReachesCairo()
    {
        const string cairo = "Exports.Rendering.Cairo";
        var bad = Typed.Where(r => r.To == cairo && r.From != cairo && r.FromType != "Exports.Rendering.RenderBackend")
            .Select(r => $"{r.FromType} -> {r.ToType}").Distinct().ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        Assert.Contains(Typed, r => r.FromType == "Exports.Rendering.RenderBackend" && r.To == cairo); // the rule sees references
    }

    /// <summary>Every clock read goes through <c>TimeProvider</c> (tests move it; pure writers take the time they are
    /// given): no code of the api reads <c>DateTime(Offset).UtcNow</c>, <c>.Now</c> or <c>.Today</c> itself.</summary>
    [Fact]
    public void NoCodeReadsTheSystemClockDirectly()
    {
        var calls = Module.Types.SelectMany(Nested).Where(t => t.Namespace.StartsWith("Exports") || (t.DeclaringType?.Namespace ?? "").StartsWith("Exports"))
            .SelectMany(t => t.Methods).Where(m => m.HasBody)
            .SelectMany(m => m.Body.Instructions.Select(i => (m, r: i.Operand as MethodReference))).ToList();
        Assert.Contains(calls, x => x.r is { Name: "GetUtcNow" } r && r.DeclaringType.FullName == "System.TimeProvider"); // the scan sees clock reads
        var reads = calls
            .Where(x => x.r is { } r && r.DeclaringType.FullName is "System.DateTime" or "System.DateTimeOffset"
                && r.Name is "get_UtcNow" or "get_Now" or "get_Today")
            .Select(x => $"{x.m.DeclaringType.FullName}.{x.m.Name} reads {x.r!.DeclaringType.Name}.{x.r.Name[4..]}").Distinct().ToList();
        Assert.True(reads.Count == 0, string.Join("\n", reads));
    }

    /// <summary>EF Core is gone (issue 13): records are Marten documents or rows read and written with plain Npgsql
    /// commands. Neither the api nor the tests reference an EF Core assembly, nothing in the api's dependency graph
    /// (deps.json) brings one in, no project asks for its packages, and no source file imports its namespaces.</summary>
    [Fact]
    public void NoEfCore_Anywhere()
    {
        static bool Ef(string name) => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Npgsql.EntityFrameworkCore", StringComparison.OrdinalIgnoreCase);
        var assemblies = new[] { typeof(Exports.Host.AppHost).Assembly, typeof(DependencyTests).Assembly };
        var referenced = assemblies.SelectMany(a => a.GetReferencedAssemblies().Select(n => $"{a.GetName().Name} -> {n.Name}")).ToList();
        Assert.Contains(referenced, r => r.EndsWith("-> Npgsql", StringComparison.Ordinal)); // the scan sees references
        Assert.Empty(referenced.Where(r => Ef(r.Split(" -> ")[1])));

        var deps = Path.ChangeExtension(typeof(Exports.Host.AppHost).Assembly.Location, ".deps.json");
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(deps)))
        {
            var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();
            Assert.Contains("Npgsql", libraries);
            Assert.Empty(libraries.Where(Ef));
        }

        var root = Exports.Tests.Infrastructure.NodeReaders.Root;
        var projects = Directory.EnumerateFiles(Path.Combine(root, "api"), "*.csproj")
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.csproj", SearchOption.AllDirectories)).ToList();
        Assert.NotEmpty(projects);
        Assert.Empty(projects.Where(p => File.ReadLines(p).Any(l => l.Contains("EntityFrameworkCore", StringComparison.OrdinalIgnoreCase)))
            .Select(p => Path.GetRelativePath(root, p)));

        var sources = new[] { "api", "tests" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.Contains(sources, f => File.ReadLines(f).Any(l => l.StartsWith("using Npgsql", StringComparison.Ordinal)));
        Assert.Empty(sources.Where(f => File.ReadLines(f).Any(l => l.TrimStart().StartsWith("using Microsoft.EntityFrameworkCore", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f)));
    }

    [Fact]
    public void Slices_NeverReferenceEachOther()
    {
        var slice = (string ns) => ns.StartsWith("Exports.Features.") ? ns.Split('.')[2] : null;
        var bad = All.Where(r => slice(r.From) is { } a && slice(r.To) is { } b && a != b).ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        Assert.Contains(All, r => r.From.StartsWith("Exports.Features.ExportSeries") && r.To == "Exports.Series");
    }

    static readonly string[] SliceNames = ["Alerts", "Monitors", "RenderTokens", "ExportLayout", "Templates", "Identity",
        "Dashboards", "ExportSeries", "History", "Schedule", "Destinations", "Sources", "Live", "Sinks"];
    public static TheoryData<string> Slices => new(SliceNames);

    /// <summary>The list the slice rules walk is every slice there is.</summary>
    [Fact]
    public void SliceList_IsEverySlice() =>
        Assert.Equal(SliceNames.Order(StringComparer.Ordinal), Module.Types.Select(t => t.Namespace)
            .Where(n => n.StartsWith("Exports.Features.", StringComparison.Ordinal)).Select(n => n.Split('.')[2]).Distinct().Order(StringComparer.Ordinal));

    /// <summary>Every feature route is a FastEndpoints endpoint: no slice maps a Minimal API route.</summary>
    [Theory]
    [MemberData(nameof(Slices))]
    public void Slice_MapsNoMinimalApiRoute(string slice)
    {
        var ns = $"Exports.Features.{slice}";
        var types = Module.Types.SelectMany(Nested).Where(t => (t.Namespace is { Length: > 0 } n ? n : t.DeclaringType?.Namespace) == ns).ToList();
        Assert.NotEmpty(types);
        var maps = types.SelectMany(t => t.Methods).Where(m => m.HasBody)
            .SelectMany(m => m.Body.Instructions.Select(i => (m, i.Operand as MethodReference)))
            .Where(x => x.Item2 is { } r && r.DeclaringType.Namespace.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                && (r.Name.StartsWith("Map", StringComparison.Ordinal)))
            .Select(x => $"{x.m.DeclaringType.FullName}.{x.m.Name} calls {x.Item2!.DeclaringType.Name}.{x.Item2.Name}").ToList();
        Assert.True(maps.Count == 0, string.Join("\n", maps));
    }

    /// <summary>Every FastEndpoints endpoint that binds a request has a FluentValidation validator for that request
    /// in its own slice, so a newcomer finds a use case's rules beside its endpoint.</summary>
    [Fact]
    public void EveryEndpointWithARequest_HasAValidatorInItsSlice()
    {
        var types = typeof(Exports.Host.AppHost).Assembly.GetTypes();
        var validators = types.Where(t => !t.IsAbstract && BaseOf(t, typeof(FastEndpoints.Validator<>)) is not null)
            .Select(t => (Request: BaseOf(t, typeof(FastEndpoints.Validator<>))!.GetGenericArguments()[0], t.Namespace)).ToList();
        var endpoints = types.Where(t => !t.IsAbstract && typeof(FastEndpoints.BaseEndpoint).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(endpoints);
        var missing = new List<string>();
        foreach (var e in endpoints)
        {
            var request = BaseOf(e, typeof(FastEndpoints.Endpoint<,>))?.GetGenericArguments()[0];
            if (request is null || request == typeof(FastEndpoints.EmptyRequest)) continue;
            if (!validators.Any(v => v.Request == request && v.Namespace == e.Namespace)) missing.Add($"{e.FullName} ({request.Name})");
        }
        Assert.True(missing.Count == 0, "Endpoints without a validator beside them:\n" + string.Join("\n", missing));
    }

    static Type? BaseOf(Type t, Type open)
    {
        for (var b = t; b is not null; b = b.BaseType)
            if (b.IsGenericType && b.GetGenericTypeDefinition() == open) return b;
        return null;
    }
}
