import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { HOOK, OPS_MAIL } from "../../../test/destinations";
import { jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { DestinationsView } from "../components/DestinationsView";

const LIST = "GET /api/v1/destinations";
const KINDS = "GET /api/v1/destinations/kinds";
const NO_MAIL_REASON = "This server has no mail server set up, so it cannot send e-mail.";
const PUBLIC_ONLY = "Only hosts on the public internet: this server does not deliver to private networks.";

const NO_MAIL = [
  { kind: "email", available: false, reason: NO_MAIL_REASON },
  { kind: "webhook", available: true, note: PUBLIC_ONLY },
  { kind: "s3", available: true, note: PUBLIC_ONLY },
  { kind: "sftp", available: true, note: PUBLIC_ONLY },
];

const SENT = {
  ok: true,
  kind: "webhook",
  detail: "HTTP 202",
  fileName: "exports-test-20261130-090000.txt",
  bytes: 161,
  durationMs: 412,
  sentAt: "2026-11-30T09:00:00+00:00",
};

describe("Destination kinds and Send test", () => {
  it("shows a kind the server cannot deliver to as disabled with the reason, and starts on the first that works", async () => {
    mockFetch({ [KINDS]: () => jsonResponse(NO_MAIL), [LIST]: () => jsonResponse([]) });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    await screen.findByText(/No destinations yet/);
    await user.click(screen.getByRole("button", { name: "New destination" }));
    const form = screen.getByRole("form", { name: "New destination" });

    const email = await within(form).findByRole("radio", { name: /E-mail/ });
    expect(email).toBeDisabled();
    expect(email).not.toBeChecked();
    expect(email).toHaveAccessibleDescription(NO_MAIL_REASON);
    expect(within(form).getByText("Not available")).toBeInTheDocument();
    const webhook = within(form).getByRole("radio", { name: "Webhook" });
    expect(webhook).toBeChecked();
    expect(webhook).toHaveAccessibleDescription(PUBLIC_ONLY);
    expect(within(form).getByLabelText("URL")).toBeInTheDocument();
    // No setting names reach the page.
    expect(form.textContent).not.toMatch(/EXPORTS_/);
    await user.click(email);
    expect(webhook).toBeChecked();
  });

  it("sends a test of the unsaved form and shows what the receiver answered", async () => {
    const requests = mockFetch({
      [KINDS]: () => jsonResponse(NO_MAIL),
      [LIST]: () => jsonResponse([]),
      "POST /api/v1/destinations/test": () => jsonResponse(SENT),
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    await screen.findByText(/No destinations yet/);
    await user.click(screen.getByRole("button", { name: "New destination" }));
    const form = screen.getByRole("form", { name: "New destination" });
    await within(form).findByRole("radio", { name: "Webhook", checked: true });
    await user.type(within(form).getByLabelText("Name"), "Try hook");
    await user.type(within(form).getByLabelText("URL"), "https://hooks.example.com/in");
    await user.type(within(form).getByLabelText("Signing secret"), "a-long-signing-secret");
    await user.click(within(form).getByRole("button", { name: "Send test" }));

    const status = await within(form).findByText(/Test sent/);
    expect(status.closest("[role=status]")).toHaveTextContent(
      "Test sent in 412 ms: HTTP 202. exports-test-20261130-090000.txt, 161 B",
    );
    const test = requests.find((r) => r.url === "/api/v1/destinations/test")!;
    expect(test.body).toEqual({
      name: "Try hook",
      kind: "webhook",
      config: { url: "https://hooks.example.com/in" },
      secrets: { signingSecret: "a-long-signing-secret" },
    });
    // Nothing was saved.
    expect(requests.filter((r) => r.method === "POST" && r.url === "/api/v1/destinations")).toHaveLength(0);
  });

  it("shows the server's field errors for a form it refuses to test, beside the fields", async () => {
    mockFetch({
      [KINDS]: () => jsonResponse(NO_MAIL),
      [LIST]: () => jsonResponse([]),
      "POST /api/v1/destinations/test": () =>
        problemResponse({
          status: 400,
          title: "The destination is not valid",
          errors: { "config.url": ["url is an https:// address (http only to this machine, for testing)."] },
        }),
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    await screen.findByText(/No destinations yet/);
    await user.click(screen.getByRole("button", { name: "New destination" }));
    const form = screen.getByRole("form", { name: "New destination" });
    await within(form).findByRole("radio", { name: "Webhook", checked: true });
    await user.type(within(form).getByLabelText("URL"), "ftp://x");
    await user.click(within(form).getByRole("button", { name: "Send test" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("The destination is not valid");
    expect(within(form).getByLabelText("URL")).toHaveAccessibleDescription(expect.stringContaining("url is an https:// address"));
    expect(within(form).queryByText(/Test sent/)).not.toBeInTheDocument();
  });

  it("tests a saved destination from its row, and says why a failed one failed", async () => {
    const requests = mockFetch({
      [KINDS]: () => jsonResponse(NO_MAIL),
      [LIST]: () => jsonResponse([OPS_MAIL, HOOK]),
      "POST /api/v1/destinations/d-hook/test": () =>
        jsonResponse({ ...SENT, ok: false, detail: undefined, error: "Webhook answered HTTP 410; not retried.", durationMs: 1530 }),
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    const row = await screen.findByRole("row", { name: "Reports hook" });
    const button = within(row).getByRole("button", { name: "Send test" });
    expect(button).toHaveAccessibleDescription("Reports hook");
    await user.click(button);
    expect((await within(row).findByText(/Test failed/)).closest("p")).toHaveTextContent("Test failed after 1.5 s: Webhook answered HTTP 410; not retried.");
    const sent = requests.find((r) => r.url === "/api/v1/destinations/d-hook/test")!;
    expect(sent.method).toBe("POST");
    expect(sent.body).toBeUndefined();
    expect(within(screen.getByRole("row", { name: "Ops inbox" })).queryByText(/Test/)).not.toBeInTheDocument();
  });
});
