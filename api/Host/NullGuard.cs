using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Exports.Shared;

namespace Exports.Host;

/// <summary>
/// The C# types of a request say what may be null; JSON cannot. System.Text.Json lets <c>[null]</c> into a
/// <c>List&lt;string&gt;</c> and <c>{"k": null}</c> into a <c>Dictionary&lt;string, string&gt;</c>, where a handler
/// would meet it as a crash. This filter walks every bound request object of ours once, and refuses a null element
/// or map value whose declared type is not nullable, naming its JSON path (<c>aggregations[0]</c>).
/// </summary>
public static class NullGuard
{
    const int MaxDepth = 32;
    static readonly NullabilityInfoContext Nullability = new();
    static readonly ConcurrentDictionary<Type, Member[]> Members = new();
    static readonly object Gate = new();

    public static void Walk(object value, string path, Errors errors, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var m in MembersOf(value.GetType()))
        {
            var v = m.Property.GetValue(value);
            if (v is null) continue;
            Child(v, Join(path, m.JsonName), m.Info, errors, depth + 1);
        }
    }

    static void Child(object v, string path, NullabilityInfo info, Errors errors, int depth)
    {
        if (depth > MaxDepth || v is string or JsonElement || v.GetType().IsPrimitive || v.GetType().IsEnum) return;
        if (v is IDictionary map)
        {
            var valueInfo = info.GenericTypeArguments.Length == 2 ? info.GenericTypeArguments[1] : null;
            foreach (DictionaryEntry e in map)
            {
                var at = $"{path}.{e.Key}";
                if (e.Value is null) { if (valueInfo is { ReadState: NullabilityState.NotNull }) errors.Add(at, "A value is required here, not null."); }
                else if (valueInfo is not null) Child(e.Value, at, valueInfo, errors, depth + 1);
            }
            return;
        }
        if (v is IList list)
        {
            var elementInfo = info.ElementType ?? (info.GenericTypeArguments.Length == 1 ? info.GenericTypeArguments[0] : null);
            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (list[i] is { } item) { if (elementInfo is not null) Child(item, at, elementInfo, errors, depth + 1); }
                else if (elementInfo is { ReadState: NullabilityState.NotNull } || (elementInfo is null && !IsNullableValue(list.GetType())))
                    errors.Add(at, "An element is required here, not null.");
            }
            return;
        }
        if (IsOurs(v.GetType())) Walk(v, path, errors, depth);
    }

    static bool IsNullableValue(Type listType) =>
        listType.IsGenericType && Nullable.GetUnderlyingType(listType.GetGenericArguments()[0]) is not null;

    static bool IsOurs(Type t) => t.IsClass && t.Namespace?.StartsWith("Exports", StringComparison.Ordinal) == true;

    static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    static Member[] MembersOf(Type t) => Members.GetOrAdd(t, type =>
    {
        // NullabilityInfoContext is not thread-safe.
        lock (Gate)
            return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
                .Select(p => new Member(p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                    Nullability.Create(p)))
                .ToArray();
    });

    sealed record Member(PropertyInfo Property, string JsonName, NullabilityInfo Info);
}
