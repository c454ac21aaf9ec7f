using System.Text.RegularExpressions;

namespace Exports.Shared;

/// <summary>
/// Keeps credentials passed in query strings out of every log: each logger provider the host registered (console,
/// debug, whatever a deployment adds) is wrapped so that a <c>token=…</c> (or <c>access_token=…</c>) query parameter in
/// a message, or in any string value of its state, is written as <c>token=***</c>. ASP.NET Core's request logs
/// ("Request starting … ?token=…", at Information for Microsoft.AspNetCore.Hosting) carry the URL; the live stream's
/// token is such a parameter (browsers' EventSource cannot send headers).
/// </summary>
public static partial class LogScrub
{
    [GeneratedRegex(@"(?<=[?&](?:access_)?token=)[^&\s#""']+|(?<=\blst_)[A-Za-z0-9_-]{8,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenParameter();

    /// <summary>The text with every token query parameter's value, and the rest of every stream token (<c>lst_…</c>)
    /// wherever it stands, as <c>***</c>; the same instance when there is none.</summary>
    public static string Scrub(string text) =>
        text.Contains("token=", StringComparison.OrdinalIgnoreCase) || text.Contains("lst_", StringComparison.OrdinalIgnoreCase)
            ? TokenParameter().Replace(text, "***") : text;

    /// <summary>The exception, or (when its text holds a token) a stand-in whose message and text are scrubbed.</summary>
    static Exception? Scrub(Exception? e)
    {
        if (e is null) return null;
        var text = e.ToString();
        var clean = Scrub(text);
        return ReferenceEquals(clean, text) ? e : new ScrubbedException(Scrub(e.Message), clean);
    }

    sealed class ScrubbedException(string message, string text) : Exception(message)
    {
        public override string ToString() => text;
    }

    /// <summary>Wraps every <see cref="ILoggerProvider"/> registered so far. Each wrapper is its own type,
    /// <c>Provider&lt;TInner&gt;</c>, and every filter rule written for the wrapped provider (by its alias, e.g.
    /// <c>Logging:Console:LogLevel</c>, or its type's full name) is given to its wrapper too, so per-provider log levels
    /// still apply. (A provider registered by a factory has no type to read rules by until it is made: only the
    /// general rules apply to it.)</summary>
    public static void Wrap(IServiceCollection services)
    {
        var wrapped = new List<(Type Inner, Type Outer)>();
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.ServiceType != typeof(ILoggerProvider) || d.IsKeyedService) continue;
            Func<IServiceProvider, ILoggerProvider> make = d switch
            {
                { ImplementationInstance: ILoggerProvider p } => _ => p,
                { ImplementationFactory: { } f } => sp => (ILoggerProvider)f(sp),
                { ImplementationType: { } t } => sp => (ILoggerProvider)ActivatorUtilities.CreateInstance(sp, t),
                _ => throw new InvalidOperationException($"Logger provider {d} has no implementation."),
            };
            var inner = d.ImplementationInstance?.GetType() ?? d.ImplementationType;
            var outer = typeof(Provider<>).MakeGenericType(inner ?? typeof(ILoggerProvider));
            services[i] = ServiceDescriptor.Describe(typeof(ILoggerProvider), sp => (ILoggerProvider)Activator.CreateInstance(outer, make(sp))!, d.Lifetime);
            if (inner is not null) wrapped.Add((inner, outer));
        }
        services.PostConfigure<LoggerFilterOptions>(o =>
        {
            foreach (var rule in o.Rules.ToList())
            {
                if (rule.ProviderName is not { } name) continue;
                foreach (var (inner, outer) in wrapped)
                {
                    var alias = inner.GetCustomAttributes(typeof(ProviderAliasAttribute), inherit: false).OfType<ProviderAliasAttribute>().FirstOrDefault()?.Alias;
                    if (string.Equals(name, inner.FullName, StringComparison.OrdinalIgnoreCase) || string.Equals(name, alias, StringComparison.OrdinalIgnoreCase))
                        o.Rules.Add(new LoggerFilterRule(outer.FullName, rule.CategoryName, rule.LogLevel, rule.Filter));
                }
            }
        });
    }

    /// <summary>The wrapper of a <typeparamref name="TInner"/> provider: a type of its own, so filter rules can name it.</summary>
    sealed class Provider<TInner>(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) { if (inner is ISupportExternalScope s) s.SetScopeProvider(scopeProvider); }
        public void Dispose() => inner.Dispose();
    }

    sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            var clean = Scrub(message);
            exception = Scrub(exception);
            // Values are only looked at when the message had a token: every value a message shows is in its text.
            if (ReferenceEquals(clean, message)) { inner.Log(logLevel, eventId, state, exception, formatter); return; }
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                var scrubbed = new List<KeyValuePair<string, object?>>(values.Count);
                foreach (var kv in values)
                {
                    if (kv.Value is string s && kv.Key != "{OriginalFormat}" && Scrub(s) is var c && !ReferenceEquals(c, s)) scrubbed.Add(new(kv.Key, c));
                    else if (kv.Value is not null and not string && kv.Value.GetType().IsPrimitive is false && kv.Key != "{OriginalFormat}"
                             && kv.Value.ToString() is { } t && Scrub(t) is var ct && !ReferenceEquals(ct, t)) scrubbed.Add(new(kv.Key, ct));
                    else scrubbed.Add(kv);
                }
                inner.Log(logLevel, eventId, new State(scrubbed, clean), exception, static (s, _) => s.Message);
                return;
            }
            inner.Log(logLevel, eventId, clean, exception, static (s, _) => s);
        }
    }

    sealed class State(List<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;
        public KeyValuePair<string, object?> this[int index] => values[index];
        public int Count => values.Count;
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => message;
    }
}
