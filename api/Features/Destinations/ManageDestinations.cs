using System.Security.Claims;
using System.Text.Json;
using Exports.Delivery;
using Exports.Host;
using Exports.Jobs;
using Exports.Shared;

namespace Exports.Features.Destinations;

public sealed record DestinationBody(string? Name, string? Kind, JsonElement? Config, Dictionary<string, string>? Secrets);

/// <summary>/api/v1/destinations: where exports are delivered, configured once per owner. Secrets (webhook signing
/// secret, S3 keys, SFTP key or password) are write-only: stored encrypted, never returned (only their names) and
/// never logged. URLs carry no user info, and config and secrets are bounded (EXPORTS_DESTINATION_CONFIG_MAX_BYTES).</summary>
public static class ManageDestinations
{
    static readonly Dictionary<string, string[]> RequiredSecrets = new()
    {
        ["email"] = [], ["webhook"] = ["signingSecret"], ["s3"] = ["accessKey", "secretKey"], ["sftp"] = [],
    };
    static readonly Dictionary<string, string[]> AllowedSecrets = new()
    {
        ["email"] = [], ["webhook"] = ["signingSecret"], ["s3"] = ["accessKey", "secretKey"], ["sftp"] = ["password", "privateKey"],
    };

    public static void Map(RouteGroupBuilder g)
    {
        g.MapGet("/destinations", async (Exports.Delivery.Destinations store, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await store.ListAsync(user.OwnerId(), ct)))
            .WithTags("Destinations").WithSummary("Your delivery destinations (secrets never shown)").Produces<List<DestinationView>>();

        g.MapGet("/destinations/{id:guid}", async (Guid id, Exports.Delivery.Destinations store, ClaimsPrincipal user, CancellationToken ct) =>
                await store.GetViewAsync(user.OwnerId(), id, ct) is { } d ? (IResult)TypedResults.Ok(d) : Problems.NotFound($"No destination {id}."))
            .WithTags("Destinations").WithSummary("One destination").Produces<DestinationView>().ProducesProblem(404);

        g.MapPost("/destinations", (DestinationBody body, Exports.Delivery.Destinations store, ExportsSettings settings, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
                SaveAsync(null, body, store, settings, clock, user.OwnerId(), ct))
            .WithTags("Destinations").WithSummary("Add an e-mail, webhook, S3 or SFTP destination")
            .Produces<DestinationView>(201).ProducesProblem(400).ProducesProblem(409);

        g.MapPut("/destinations/{id:guid}", (Guid id, DestinationBody body, Exports.Delivery.Destinations store, ExportsSettings settings, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct) =>
                SaveAsync(id, body, store, settings, clock, user.OwnerId(), ct))
            .WithTags("Destinations").WithSummary("Change a destination (secrets left out keep their values)")
            .Produces<DestinationView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);

        g.MapDelete("/destinations/{id:guid}", async (Guid id, Exports.Delivery.Destinations store, ClaimsPrincipal user, CancellationToken ct) =>
                await store.DeleteAsync(user.OwnerId(), id, ct) ? (IResult)TypedResults.NoContent() : Problems.NotFound($"No destination {id}."))
            .WithTags("Destinations").WithSummary("Delete a destination").Produces(204).ProducesProblem(404);

        DestinationKinds.Map(g);
        SendTestDelivery.Map(g);
    }

    static async Task<IResult> SaveAsync(Guid? id, DestinationBody body, Exports.Delivery.Destinations store, ExportsSettings settings, TimeProvider clock, Guid owner, CancellationToken ct)
    {
        var isNew = id is null;
        DestinationView? existing = null;
        if (!isNew && (existing = await store.GetViewAsync(owner, id!.Value, ct)) is null) return Problems.NotFound($"No destination {id}.");
        if (await ValidateAsync(body, existing?.Secrets ?? [], settings, ct) is { } refused) return refused;
        var (name, kind, config) = (body.Name!.Trim(), body.Kind!.Trim().ToLowerInvariant(), body.Config!.Value);
        var did = id ?? Guid.CreateVersion7();
        if (!await store.SaveAsync(owner, did, name, kind, config, body.Secrets, isNew, clock.GetUtcNow(), ct))
            return Problems.Status(409, "A destination with this name exists", $"You already have a destination named '{name}'.");
        // Deleted by another request between the write and this read: gone, not a server error.
        if (await store.GetViewAsync(owner, did, ct) is not { } view) return Problems.NotFound($"No destination {did}.");
        return isNew ? TypedResults.Created($"/api/v1/destinations/{did}", view) : TypedResults.Ok(view);
    }

    /// <summary>Checks a destination body as a save would (name, kind, config, secrets, the network guard): null
    /// when it is valid, otherwise the 400 Problem Details with its field errors. <paramref name="stored"/> names the
    /// secrets the edited destination keeps when the body leaves them out.</summary>
    public static async Task<IResult?> ValidateAsync(DestinationBody body, IReadOnlyCollection<string> stored, ExportsSettings settings, CancellationToken ct)
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
        if (e.Any) return Problems.Validation(e.ToDictionary(), "The destination is not valid");
        var host = NetworkGuard.HostOf(new Destination(Guid.Empty, Guid.Empty, name!, kind!, config, new Dictionary<string, string>()));
        if (await NetworkGuard.RefusalAsync(host, settings.DeliveryAllowPrivateNetworks, ct) is { } refused)
            return Problems.Validation(new Dictionary<string, string[]> { [GuardField(kind!)] = [refused] }, "The destination is not valid");
        return null;
    }

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
                break;
            case "sftp":
                if (S("host") is not { Length: > 0 } h || Uri.CheckHostName(h) is not (UriHostNameType.Dns or UriHostNameType.IPv4)) e.Add("config.host", "host is a host name or IPv4 address.");
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
                }
                if (S("prefix") is { } p && (p.Contains("..") || p.Length > 200)) e.Add("config.prefix", "prefix is a key prefix without '..'.");
                break;
        }
    }
}
