using Microsoft.Extensions.Configuration;
using Exports.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Exports.Tests.Host;

/// <summary>LogScrub: token query parameters never reach a logger provider, in the message or in structured values.</summary>
public sealed class LogScrubTests
{
    [Theory]
    [InlineData("GET /api/v1/sources/a/stream?token=lst_abc-_DEF", "GET /api/v1/sources/a/stream?token=***")]
    [InlineData("http://h/x?lastEventId=4&token=lst_abc&y=1 - 200", "http://h/x?lastEventId=4&token=***&y=1 - 200")]
    [InlineData("?TOKEN=abc and &access_token=xyz#f", "?TOKEN=*** and &access_token=***#f")]
    [InlineData("mytoken=abc stays: it is no token parameter", "mytoken=abc stays: it is no token parameter")]
    [InlineData("no query at all", "no query at all")]
    [InlineData("token lst_AbC-d_0123456789xyz in a path /stream/lst_QWERTYUIOPasdf", "token lst_*** in a path /stream/lst_***")]
    [InlineData("lst_short and blast_abcdefghijk stay", "lst_short and blast_abcdefghijk stay")]
    public void Scrub_ReplacesTheTokenParameterOnly(string text, string expected) => Assert.Equal(expected, LogScrub.Scrub(text));

    sealed class Capture : ILoggerProvider
    {
        public readonly List<(string Message, List<KeyValuePair<string, object?>> Values)> Lines = [];
        public readonly List<string> Exceptions = [];
        public ILogger CreateLogger(string categoryName) => new L(this);
        public void Dispose() { }
        sealed class L(Capture c) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                c.Lines.Add((formatter(state, exception), state is IReadOnlyList<KeyValuePair<string, object?>> v ? v.ToList() : []));
                if (exception is not null) c.Exceptions.Add(exception.Message + "\n" + exception);
            }
        }
    }

    [Fact]
    public void WrappedProviders_SeeNoToken_InMessagesOrStructuredValues()
    {
        var capture = new Capture();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(capture));
        LogScrub.Wrap(services);
        using var sp = services.BuildServiceProvider();
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        log.LogInformation("Request starting {Path}{Query}", "/api/v1/sources/a/stream", "?token=lst_secret123");
        log.LogInformation("Request {Uri}", new Uri("http://h/s?a=1&token=lst_secret456"));
        log.LogInformation("Nothing to hide {N}", 5);
        Assert.Equal(3, capture.Lines.Count);
        Assert.Equal("Request starting /api/v1/sources/a/stream?token=***", capture.Lines[0].Message);
        Assert.Contains(capture.Lines[0].Values, kv => kv.Key == "Query" && (string?)kv.Value == "?token=***");
        Assert.Equal("Request http://h/s?a=1&token=***", capture.Lines[1].Message);
        Assert.DoesNotContain(capture.Lines.SelectMany(l => l.Values), kv => kv.Value?.ToString()?.Contains("secret") == true);
        Assert.Equal("Nothing to hide 5", capture.Lines[2].Message);
        Assert.Contains(capture.Lines[2].Values, kv => kv.Key == "N" && kv.Value is 5);
    }

    [Fact]
    public void ExceptionMessages_AreScrubbed_OthersPassUntouched()
    {
        var capture = new Capture();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(capture));
        LogScrub.Wrap(services);
        using var sp = services.BuildServiceProvider();
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("x");
        var plain = new InvalidOperationException("nothing secret");
        log.LogError(new HttpRequestException("GET http://h/s?token=lst_secret789abc failed"), "Request failed");
        log.LogError(plain, "Other {N}", 1);
        Assert.Equal(2, capture.Exceptions.Count);
        Assert.DoesNotContain("secret789", capture.Exceptions[0]);
        Assert.Contains("?token=*** failed", capture.Exceptions[0]);
        Assert.Contains("HttpRequestException", capture.Exceptions[0]);
        Assert.Equal("nothing secret\n" + plain, capture.Exceptions[1]);
    }

    /// <summary>A provider known by an alias, as the console's is ("Console").</summary>
    [ProviderAlias("Probe")]
    sealed class Probe : ILoggerProvider
    {
        public readonly List<(LogLevel Level, string Category, string Message)> Lines = [];
        public ILogger CreateLogger(string categoryName) => new L(this, categoryName);
        public void Dispose() { }
        sealed class L(Probe p, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                p.Lines.Add((logLevel, category, formatter(state, exception)));
        }
    }

    [Theory]
    [InlineData("Probe")]
    [InlineData("Exports.Tests.Host.LogScrubTests+Probe")]
    public void PerProviderLogLevels_StillApply_ToAWrappedProvider_ByAliasOrTypeName(string providerName)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            [$"Logging:{providerName}:LogLevel:Default"] = "Warning",
            [$"Logging:{providerName}:LogLevel:Loud"] = "Debug",
        }).Build();
        var probe = new Probe();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.AddConfiguration(config.GetSection("Logging"));
            b.SetMinimumLevel(LogLevel.Trace);
            b.Services.AddSingleton<ILoggerProvider>(probe);
        });
        LogScrub.Wrap(services);
        using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<ILoggerFactory>();
        var quiet = factory.CreateLogger("Quiet");
        quiet.LogInformation("info ?token=lst_secret0001");
        quiet.LogWarning("warn ?token=lst_secret0002");
        var loud = factory.CreateLogger("Loud");
        loud.LogDebug("debug");
        loud.LogTrace("trace");
        Assert.Equal([(LogLevel.Warning, "Quiet", "warn ?token=***"), (LogLevel.Debug, "Loud", "debug")], probe.Lines);
    }
}
