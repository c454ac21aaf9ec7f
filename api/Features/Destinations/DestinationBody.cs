using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Exports.Features.Destinations;

/// <summary>A destination as a form sends it. <c>Config</c> stays a JSON value: its shape depends on <c>Kind</c>
/// (e-mail recipients, a webhook URL, an S3 bucket, an SFTP host), and each of its fields is checked here so that a
/// wrong value (<c>"port": "22"</c>) is answered under its path with the rule it breaks, not as a type error.</summary>
public class DestinationBody
{
    public string? Name { get; set; }
    public string? Kind { get; set; }
    public JsonElement? Config { get; set; }
    public Dictionary<string, string>? Secrets { get; set; }
}

/// <summary>The rules of a destination body (name, kind, config, secrets, the network guard), shared by save and
/// test. Secrets (webhook signing secret, S3 keys, SFTP key or password) are write-only; URLs carry no user info,
/// and config and secrets are bounded (EXPORTS_DESTINATION_CONFIG_MAX_BYTES).</summary>
public static class DestinationRules
{
    public const string Title = "The destination is not valid";

    static readonly Dictionary<string, string[]> RequiredSecrets = new()
    {
        ["email"] = [], ["webhook"] = ["signingSecret"], ["s3"] = ["accessKey", "secretKey"], ["sftp"] = [],
    };
    static readonly Dictionary<string, string[]> AllowedSecrets = new()
    {
        ["email"] = [], ["webhook"] = ["signingSecret"], ["s3"] = ["accessKey", "secretKey"], ["sftp"] = ["password", "privateKey"],
    };

    /// <summary>The 400 for a body that breaks the rules, under the destination's own title.</summary>
    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors) => Problems.Validation(errors, Title);

    /// <summary>The validator's failures (in the order the rules found them) as the 400.</summary>
    public static ProblemHttpResult Invalid(IEnumerable<ValidationFailure> failures) =>
        Invalid(failures.GroupBy(f => f.PropertyName).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray()));

    /// <summary>Checks a destination body as a save would (name, kind, config, secrets, then the network guard): no
    /// errors when it is valid. <paramref name="stored"/> names the secrets the edited destination keeps when the body
    /// leaves them out.</summary>
    public static async Task<Errors> CheckAsync(DestinationBody body, IReadOnlyCollection<string> stored, ExportsSettings settings, CancellationToken ct)
    {
        var e = new Errors();
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100) e.Add("name", "A name of 1 to 100 characters is required.");
        var kind = body.Kind?.Trim().ToLowerInvariant();
        if (kind is null || !RequiredSecrets.ContainsKey(kind)) e.Add("kind", "kind is email, webhook, s3 or sftp.");
        var config = body.Config is { ValueKind: JsonValueKind.Object } c ? c : default;
        if (config.ValueKind != JsonValueKind.Object) e.Add("config", "config is an object.");
        else if (System.Text.Encoding.UTF8.GetByteCount(config.GetRawText()) is var size && size > settings.DestinationConfigMaxBytes)
            e.Add("config", $"config is {size} bytes of JSON; the limit is {settings.DestinationConfigMaxBytes} bytes (EXPORTS_DESTINATION_CONFIG_MAX_BYTES).");
        if (body.Secrets is { } given && System.Text.Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(given)) is var secretsSize && secretsSize > settings.DestinationConfigMaxBytes)
            e.Add("secrets", $"secrets are {secretsSize} bytes of JSON; the limit is {settings.DestinationConfigMaxBytes} bytes (EXPORTS_DESTINATION_CONFIG_MAX_BYTES).");
        if (!e.Any) Check(kind!, config, settings, e);
        foreach (var secret in RequiredSecrets.GetValueOrDefault(kind ?? "") ?? [])
            if ((body.Secrets?.GetValueOrDefault(secret) is not { Length: > 0 } v) && !stored.Contains(secret))
                e.Add($"secrets.{secret}", $"{secret} is required.");
            else if (secret == "signingSecret" && body.Secrets?.GetValueOrDefault(secret) is { Length: < 16 })
                e.Add("secrets.signingSecret", "The signing secret has at least 16 characters.");
        foreach (var k in body.Secrets?.Keys ?? Enumerable.Empty<string>())
            if (!(AllowedSecrets.GetValueOrDefault(kind ?? "") ?? []).Contains(k)) e.Add($"secrets.{k}", $"{kind} destinations have no secret '{k}'.");
        if (kind == "sftp" && !e.Any && body.Secrets?.GetValueOrDefault("password") is not { Length: > 0 } && body.Secrets?.GetValueOrDefault("privateKey") is not { Length: > 0 }
            && !stored.Any(x => x is "password" or "privateKey"))
            e.Add("secrets.privateKey", "An SFTP destination needs a privateKey (OpenSSH format) or a password.");
        foreach (var (k, v) in body.Secrets ?? [])
            if (v is null) e.Add($"secrets.{k}", "A secret is a string; leave it out to keep the stored one.");
            else if (k != "privateKey" && v.Any(char.IsControl)) e.Add($"secrets.{k}", "Secrets cannot hold control characters.");
        if (e.Any) return e;
        var host = NetworkGuard.HostOf(new Destination(Guid.Empty, Guid.Empty, name!, kind!, config, new Dictionary<string, string>()));
        if (await NetworkGuard.RefusalAsync(host, settings.DeliveryAllowPrivateNetworks, ct) is { } refused) e.Add(GuardField(kind!), refused);
        return e;
    }

    /// <summary>The body as the destination it describes (name and kind trimmed, kind in lower case); call it only
    /// once the body passed <see cref="CheckAsync"/>.</summary>
    public static (string Name, string Kind, JsonElement Config) Normalized(DestinationBody body) =>
        (body.Name!.Trim(), body.Kind!.Trim().ToLowerInvariant(), body.Config!.Value);

    /// <summary>The config field that names a kind's host: where a network-guard refusal is shown.</summary>
    public static string GuardField(string kind) => kind == "webhook" ? "config.url" : kind == "s3" ? "config.endpoint" : "config.host";

    static void Check(string kind, JsonElement c, ExportsSettings settings, Errors e)
    {
        string? S(string key) => c.TryGetProperty(key, out var v) ? v.Text() : null;
        switch (kind)
        {
            case "email":
                if (settings.SmtpHost is null) e.Add("kind", DestinationKinds.NoMailServer);
                if (!c.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.Array || to.GetArrayLength() is 0 or > 20)
                    e.Add("config.to", "to is a list of 1 to 20 e-mail addresses.");
                else
                {
                    var i = 0;
                    foreach (var a in to.EnumerateArray())
                    {
                        if (a.ValueKind != JsonValueKind.String || !EmailChannel.IsAddress(a.GetString())) e.Add($"config.to[{i}]", "Not an e-mail address.");
                        i++;
                    }
                }
                Placeholders.Validate(S("subject"), "config.subject", e);
                if (c.TryGetProperty("attachUpToBytes", out var lim) && (lim.ValueKind != JsonValueKind.Number || !lim.TryGetInt64(out var l) || l is < 0 or > 25 * 1024 * 1024))
                    e.Add("config.attachUpToBytes", "attachUpToBytes is from 0 to 26214400 (larger files go as a signed link).");
                break;
            case "webhook":
                var url = S("url");
                if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || !(u.Scheme == "https" || (u.Scheme == "http" && u.IsLoopback)))
                    e.Add("config.url", "url is an https:// address (http only to this machine, for testing).");
                else if (u.UserInfo.Length > 0)
                    e.Add("config.url", "url cannot carry a user name or password (https://user:password@…): receivers check the signature instead.");
                else if (NetworkGuard.TooLong(u.IdnHost) is { } tooLong)
                    e.Add("config.url", tooLong);
                break;
            case "sftp":
                if (S("host") is not { Length: > 0 } h || Uri.CheckHostName(h) is not (UriHostNameType.Dns or UriHostNameType.IPv4)) e.Add("config.host", "host is a host name or IPv4 address.");
                else if (NetworkGuard.TooLong(h) is { } tooLong) e.Add("config.host", tooLong);
                if (c.TryGetProperty("port", out var port) && (port.ValueKind != JsonValueKind.Number || !port.TryGetInt32(out var pn) || pn is < 1 or > 65535)) e.Add("config.port", "port is from 1 to 65535.");
                if (S("username") is not { Length: > 0 } un || un.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is ':' or '@' or '/' or '"' or '\\')) e.Add("config.username", "username is required, without spaces or : @ / \" \\.");
                if (S("path") is { } sp && (sp.Contains("..") || sp.Any(char.IsControl))) e.Add("config.path", "path is a folder without '..'.");
                if (SftpChannel.PinFor(S("hostKey")) is null)
                    e.Add("config.hostKey", "hostKey is the server's SHA-256 host key fingerprint as ssh-keygen -lf prints it (SHA256:…); it is pinned.");
                break;
            case "s3":
                if (S("bucket") is not { Length: >= 3 and <= 63 } bk || bk.Any(ch => !(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '-' or '.'))) e.Add("config.bucket", "bucket is a bucket name (3 to 63 lower-case letters, digits, '-' or '.').");
                if (S("endpoint") is { } ep)
                {
                    if (!Uri.TryCreate(ep, UriKind.Absolute, out var eu) || eu.Scheme is not ("https" or "http")) e.Add("config.endpoint", "endpoint is an absolute http(s) URL.");
                    else if (eu.UserInfo.Length > 0) e.Add("config.endpoint", "endpoint cannot carry a user name or password (https://user:password@…): the keys go in secrets.");
                    else if (NetworkGuard.TooLong(eu.IdnHost) is { } tooLong) e.Add("config.endpoint", tooLong);
                }
                if (S("prefix") is { } p && (p.Contains("..") || p.Length > 200)) e.Add("config.prefix", "prefix is a key prefix without '..'.");
                break;
        }
    }
}

/// <summary>The rules of a body that is not tied to a saved destination (a new one, or a test of an unsaved form):
/// every rule, with no stored secret to fall back on. The endpoints answer its failures themselves, under the
/// destination's title (<see cref="DestinationRules.Invalid(IEnumerable{ValidationFailure})"/>).</summary>
public sealed class DestinationBodyValidator : Validator<DestinationBody>
{
    public DestinationBodyValidator() =>
        RuleFor(b => b).CustomAsync(async (b, ctx, ct) =>
        {
            var errors = await DestinationRules.CheckAsync(b, [], Resolve<ExportsSettings>(), ct);
            foreach (var (field, messages) in errors.ToDictionary())
                foreach (var m in messages) ctx.AddFailure(new ValidationFailure(field, m)); // as written: no message formatting
        });
}

public sealed class DestinationIdRequest
{
    public Guid Id { get; set; }
}

/// <summary>Nothing to refuse: any id is well-formed, and one that names nothing here (the empty GUID included) is the
/// lookup's 404, as on every route of the API.</summary>
public sealed class DestinationIdValidator : Validator<DestinationIdRequest>;
