import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { REVOKED_TOKEN, tokenJson, WALLBOARD_TOKEN, zonePattern } from "../../../test/live";
import { renderWithClient } from "../../../test/render";
import { demoSources } from "../../../test/sources";
import { SourceView } from "../components/SourceView";

const TOKENS = "/api/v1/sources/servers/stream-tokens";
const SECRET_TOKEN = "lst_k3yK3yK3yThisIsTheWholeTokenShownOnce";
const STREAM_URL = `https://exports.example.com/api/v1/sources/servers/stream?token=${SECRET_TOKEN}`;

type Token = ReturnType<typeof tokenJson>;

/** A server with the demo sources, no sinks, and the given tokens (a list that create and revoke change). */
function server(initial: Token[], create?: (request: RecordedRequest) => Response) {
  let list = [...initial];
  const requests = mockFetch({
    "GET /api/v1/sources": () => jsonResponse(demoSources),
    "GET /api/v1/sources/servers/sinks": () => jsonResponse([]),
    [`GET ${TOKENS}`]: () => jsonResponse({ tokens: list }),
    [`POST ${TOKENS}`]: (request) => {
      if (create) return create(request);
      const body = request.body as { name?: string; origins: string[] };
      const token = tokenJson({ id: "t-new", name: body.name ?? "stream", prefix: SECRET_TOKEN.slice(0, 8), origins: body.origins });
      list = [...list, token];
      return jsonResponse({ ...token, token: SECRET_TOKEN, url: STREAM_URL }, 201);
    },
    [`DELETE ${TOKENS}/t-wall`]: () => {
      list = list.map((token) => (token.id === "t-wall" ? { ...token, revokedAt: "2026-11-30T12:00:00+00:00" } : token));
      return new Response(null, { status: 204 });
    },
  });
  return requests;
}

function renderPage() {
  return renderWithClient(<SourceView name="servers" listHref="#/sources" exploreHref={(name) => `#/explore?source=${name}`} />);
}

async function openForm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("button", { name: "Create token" }));
  const form = screen.getByRole("form", { name: "New stream token" });
  expect(within(form).getByRole("heading", { name: "New stream token" })).toHaveFocus();
  return form;
}

describe("the source page's stream tokens", () => {
  it("lists tokens by name with their prefix, origins and dates, marking revoked ones and offering Revoke only for live ones", async () => {
    server([WALLBOARD_TOKEN, REVOKED_TOKEN]);
    renderPage();

    const wall = await screen.findByRole("listitem", { name: "wallboard" });
    expect(within(wall).getByText("Active")).toBeInTheDocument();
    expect(wall).toHaveTextContent("Tokenlst_wa11…");
    expect(wall).toHaveTextContent("Originshttps://wall.example.com");
    expect(wall).toHaveTextContent(new RegExp(`Expires.*2099, .*\\d:\\d\\d:00 [AP]M ${zonePattern("2099-12-30T09:00:00Z")}`));
    expect(within(wall).getByRole("button", { name: "Revoke" })).toHaveAccessibleDescription("wallboard");

    const old = screen.getByRole("listitem", { name: "old kiosk" });
    expect(old).toHaveTextContent("OriginsNone (same origin, curl and servers only)");
    expect(old).toHaveTextContent(new RegExp(`Revoked.*Nov 30, 2026, .*\\d:\\d\\d:00 [AP]M ${zonePattern("2026-11-30T11:00:00Z")}`));
    expect(within(old).queryByRole("button", { name: "Revoke" })).not.toBeInTheDocument();
  });

  it("creates a token with the origins listed, and shows it once with a snippet using the url the server returned", async () => {
    const requests = server([]);
    const user = userEvent.setup();
    renderPage();
    const form = await openForm(user);

    await user.type(within(form).getByLabelText("Name"), "wallboard");
    await user.clear(within(form).getByLabelText("Expires in (days)"));
    await user.type(within(form).getByLabelText("Expires in (days)"), "7");
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    expect(within(form).getByRole("textbox", { name: "Origin 1" })).toHaveFocus();
    await user.keyboard("https://wall.example.com");
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    await user.keyboard("https://typo.example.com");
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    await user.keyboard("https://ops.example.com");
    await user.click(within(form).getByRole("button", { name: "Remove origin 2" }));
    expect(within(form).getAllByRole("textbox", { name: /^Origin/ }).map((box) => (box as HTMLInputElement).value)).toEqual([
      "https://wall.example.com",
      "https://ops.example.com",
    ]);
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));

    const panel = await screen.findByRole("region", { name: "Token “wallboard” created" });
    expect(requests.filter((r) => r.method === "POST").map((r) => [r.url, r.body])).toEqual([
      [TOKENS, { name: "wallboard", origins: ["https://wall.example.com", "https://ops.example.com"], expiresInDays: 7 }],
    ]);
    expect(screen.queryByRole("form", { name: "New stream token" })).not.toBeInTheDocument();
    expect(panel).toHaveTextContent("it will not be shown again");
    expect(within(panel).getByLabelText("Token")).toHaveValue(SECRET_TOKEN);
    const snippet = (within(panel).getByLabelText("EventSource snippet") as HTMLTextAreaElement).value;
    expect(snippet.split("\n")[0]).toBe(`const events = new EventSource("${STREAM_URL}");`);
    expect(snippet).toContain("events.onmessage = (e) => {");
    expect(snippet).toContain("const batch = JSON.parse(e.data);");

    // The list has it by prefix only; Done hides the token for good.
    const item = await screen.findByRole("listitem", { name: "wallboard" });
    expect(item).toHaveTextContent("lst_k3yK…");
    expect(item).not.toHaveTextContent(SECRET_TOKEN);
    await user.click(within(panel).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("region", { name: "Token “wallboard” created" })).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(SECRET_TOKEN);
    expect(screen.getByRole("button", { name: "Create token" })).toHaveFocus();
  });

  it("copies the token and the snippet to the clipboard and says so", async () => {
    server([]);
    const user = userEvent.setup();
    renderPage();
    const form = await openForm(user);
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));
    const panel = await screen.findByRole("region", { name: "Token “stream” created" });

    await user.click(within(panel).getByRole("button", { name: "Copy token" }));
    expect(await navigator.clipboard.readText()).toBe(SECRET_TOKEN);
    const tokenField = within(panel).getByLabelText("Token").closest(".field") as HTMLElement;
    expect(within(tokenField).getByRole("status")).toHaveTextContent("Copied.");

    await user.click(within(panel).getByRole("button", { name: "Copy snippet" }));
    expect(await navigator.clipboard.readText()).toBe((within(panel).getByLabelText("EventSource snippet") as HTMLTextAreaElement).value);
    expect(await navigator.clipboard.readText()).toContain(STREAM_URL);
  });

  it("shows an origin's error beside that origin, and other field errors beside theirs", async () => {
    const requests = server([], () =>
      problemResponse({
        status: 400,
        title: "One or more validation errors occurred.",
        errors: {
          "origins[1]": ["'https://app.example.com/path' is not an origin: no path, query or fragment."],
          expiresInDays: ["expiresInDays is 1 to 365 (default 30)."],
        },
      }),
    );
    const user = userEvent.setup();
    renderPage();
    const form = await openForm(user);
    await user.clear(within(form).getByLabelText("Expires in (days)"));
    await user.type(within(form).getByLabelText("Expires in (days)"), "400");
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    await user.keyboard("https://ok.example.com");
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    await user.click(within(form).getByRole("button", { name: "Add origin" }));
    await user.keyboard("https://app.example.com/path");
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));

    // The empty second box is not sent, so "origins[1]" is the third box.
    await waitFor(() => expect(within(form).getByRole("alert")).toHaveTextContent("One or more validation errors occurred."));
    expect(requests.find((r) => r.method === "POST")?.body).toEqual({ origins: ["https://ok.example.com", "https://app.example.com/path"], expiresInDays: 400 });
    expect(within(form).getByRole("textbox", { name: "Origin 3" })).toHaveAccessibleDescription(expect.stringContaining("is not an origin"));
    expect(within(form).getByRole("textbox", { name: "Origin 1" })).not.toHaveAccessibleDescription(expect.stringContaining("is not an origin"));
    expect(within(form).getByLabelText("Expires in (days)")).toHaveAccessibleDescription(expect.stringContaining("expiresInDays is 1 to 365"));
  });

  it.each(["2.5", "-3", "1e2", "1e", "ten"])("refuses %s days beside the box and sends nothing (empty would mean 30)", async (typed) => {
    const requests = server([]);
    const user = userEvent.setup();
    renderPage();
    const form = await openForm(user);
    const days = within(form).getByLabelText("Expires in (days)");
    expect(days).toHaveAccessibleDescription("1 to 365; empty for 30.");
    await user.clear(days);
    await user.type(days, typed);
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));

    expect(days).toHaveAccessibleDescription(expect.stringContaining("A whole number of days, or empty for 30."));
    expect(days).toBeInvalid();
    expect(requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(screen.getByRole("form", { name: "New stream token" })).toBeInTheDocument();

    // Corrected, it goes.
    await user.clear(days);
    await user.type(days, "3");
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));
    await screen.findByRole("region", { name: "Token “stream” created" });
    expect(requests.filter((r) => r.method === "POST").map((r) => r.body)).toEqual([{ origins: [], expiresInDays: 3 }]);
  });

  it("says so when the source has too many tokens (409)", async () => {
    server([], () =>
      problemResponse({ status: 409, title: "Too many stream tokens for this source", detail: "This source already has 20 live stream tokens (EXPORTS_LIVE_TOKENS_PER_SOURCE = 20). Revoke one first." }),
    );
    const user = userEvent.setup();
    renderPage();
    const form = await openForm(user);
    await user.click(within(form).getByRole("button", { name: "Create stream token" }));
    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent("Too many stream tokens for this source");
    expect(alert).toHaveTextContent("Revoke one first.");
    expect(screen.queryByRole("region", { name: /created/ })).not.toBeInTheDocument();
  });

  it("revokes a token after asking", async () => {
    const requests = server([WALLBOARD_TOKEN]);
    const user = userEvent.setup();
    renderPage();
    const item = await screen.findByRole("listitem", { name: "wallboard" });
    await user.click(within(item).getByRole("button", { name: "Revoke" }));
    const dialog = screen.getByRole("dialog", { name: "Revoke stream token?" });
    expect(dialog).toHaveTextContent("its open streams end");
    await user.click(within(dialog).getByRole("button", { name: "Revoke token" }));

    await waitFor(() => expect(within(item).getByText("Revoked", { selector: ".status-badge" })).toBeInTheDocument());
    expect(within(item).queryByRole("button", { name: "Revoke" })).not.toBeInTheDocument();
    expect(screen.getByText("Revoked “wallboard”: its open streams end.")).toBeInTheDocument();
    // Its Revoke button is gone: focus goes to the section's heading.
    await waitFor(() => expect(screen.getByRole("heading", { level: 2, name: "Stream tokens" })).toHaveFocus());
    expect(requests.filter((r) => r.method === "DELETE").map((r) => r.url)).toEqual([`${TOKENS}/t-wall`]);
  });
});
