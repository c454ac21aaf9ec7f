using Microsoft.AspNetCore.DataProtection;

namespace Exports.Features.RenderTokens;

/// <summary>
/// Short-lived render tokens for background jobs, e-mails and scripts: a Data Protection time-limited payload bound
/// to the owner, the object and the format. A token that was tampered with is a 401 "not valid"; an expired one a
/// 401 "expired" (the protector keeps it readable for a day past its expiry, so the answer can say which).
/// </summary>
sealed record RenderTokenPayload(Guid O, string K, string I, string? W, string F, DateTimeOffset E)
{
    const string Purpose = "exports.render-tokens.v1";
    public static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    public static ITimeLimitedDataProtector Protector(IDataProtectionProvider dp) => dp.CreateProtector(Purpose).ToTimeLimitedDataProtector();
}
