import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { ACTIVE_SINK, deliveryJson, FAILING_SINK, PAUSED_SINK, sinkJson, zonePattern, type SinkJson } from "../../../test/live";
import { renderWithClient } from "../../../test/render";
import { demoSources } from "../../../test/sources";
import { SourceView } from "../components/SourceView";

const SINKS = "/api/v1/sources/servers/sinks";

/** A server with the demo sources, no stream tokens, and the given sinks (a list that create, update and delete change). */
function server(initial: SinkJson[], extra: Parameters<typeof mockFetch>[0] = {}) {
  let list = [...initial];
  const requests = mockFetch({
    "GET /api/v1/sources": () => jsonResponse(demoSources),
    "GET /api/v1/sources/servers/stream-tokens": () => jsonResponse({ tokens: [] }),
    [`GET ${SINKS}`]: () => jsonResponse(list),
    [`POST ${SINKS}`]: (request) => {
      const body = request.body as { url: string; metrics?: string[]; batchMs?: number; maxBatch?: number };
      const sink = sinkJson({ id: "s-new", url: body.url, metrics: body.metrics ?? null, batchMs: body.batchMs ?? 1000, maxBatch: body.maxBatch ?? 500 });
      list = [...list, sink];
      return jsonResponse(sink, 201);
    },
    ...extra,
  });
  return {
    requests,
    add: (sink: SinkJson) => (list = [...list, sink]),
    update: (sink: SinkJson) => (list = list.map((item) => (item.id === sink.id ? sink : item))),
  };
}

function renderPage() {
  return renderWithClient(<SourceView name="servers" listHref="#/sources" exploreHref={(name) => `#/explore?source=${name}`} />);
}

const sent = (requests: RecordedRequest[], method: string, url: string) => requests.filter((r) => r.method === method && r.url === url);

describe("the source page's webhook sinks", () => {
  it("heads the page with the source, and lists each sink's state, what it sends and how it batches", async () => {
    server([ACTIVE_SINK, PAUSED_SINK, FAILING_SINK]);
    renderPage();

    expect(await screen.findByRole("heading", { level: 1, name: /servers\s*Time series/ })).toBeInTheDocument();
    expect(screen.getByText("Host metrics sampled every minute")).toBeInTheDocument();
    expect(screen.getByText("cpu_percent (%), memory_percent (%), load_avg")).toBeInTheDocument();
    expect(screen.getByText("2,592,000 raw · 43,200 hourly · 1,800 daily")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open in Explore" })).toHaveAttribute("href", "#/explore?source=servers");

    const active = await screen.findByRole("listitem", { name: "https://hooks.example.com/cpu" });
    expect(within(active).getByText("Active")).toBeInTheDocument();
    expect(active).toHaveTextContent("Metricscpu_percent");
    expect(active).toHaveTextContent("Up to 100 rows, waiting 250 ms");
    expect(active).toHaveTextContent("Up to live seq 41; next batch #8");
    expect(active).toHaveTextContent('Filter{"field":"server","op":"eq","value":"web-01"}');
    expect(within(active).queryByRole("button", { name: "Resume" })).not.toBeInTheDocument();

    const paused = screen.getByRole("listitem", { name: "https://hooks.example.com/gone" });
    expect(within(paused).getByText("Paused")).toBeInTheDocument();
    expect(paused).toHaveTextContent("The receiver answered 404 Not Found: a 4xx other than 408 and 429 is permanent.");
    expect(paused).toHaveTextContent("MetricsAll");
    expect(within(paused).getByRole("button", { name: "Resume" })).toHaveAccessibleDescription("https://hooks.example.com/gone");

    const failing = screen.getByRole("listitem", { name: "https://hooks.example.com/flaky" });
    expect(within(failing).getByText("Active")).toBeInTheDocument();
    expect(failing).toHaveTextContent(new RegExp(`Failing since Nov 30, 2026, .*\\d:\\d\\d:00 [AP]M ${zonePattern("2026-11-30T09:30:00Z")}: HTTP 503 Service Unavailable`));
    expect(paused).toHaveTextContent(new RegExp(`Paused Nov 30, 2026, .*\\d:\\d\\d:00 [AP]M ${zonePattern("2026-11-30T10:00:00Z")}:`));
  });

  it("adds a sink: the server's field errors show beside their boxes, then the corrected form is sent", async () => {
    let attempt = 0;
    const { requests, add } = server([], {
      [`POST ${SINKS}`]: (request) => {
        attempt += 1;
        if (attempt === 1) {
          return problemResponse({
            status: 400,
            title: "The sink is not valid",
            errors: {
              url: ["url is an https:// address of at most 2048 characters (http only to this machine, for testing)."],
              secret: ["The secret has 16 to 256 characters."],
              maxBatch: ["maxBatch is from 1 to 10000 rows."],
            },
          });
        }
        const body = request.body as { url: string; metrics: string[] };
        const sink = sinkJson({ id: "s-new", url: body.url, metrics: body.metrics });
        add(sink);
        return jsonResponse(sink, 201);
      },
    });
    const user = userEvent.setup();
    renderPage();

    await user.click(await screen.findByRole("button", { name: "Add sink" }));
    const form = screen.getByRole("form", { name: "New sink" });
    expect(within(form).getByRole("heading", { name: "New sink" })).toHaveFocus();
    expect(within(form).getByLabelText("Secret")).toHaveAttribute("type", "password");
    await user.type(within(form).getByLabelText("URL"), "http://hooks.example.com/x");
    await user.type(within(form).getByLabelText("Secret"), "short");
    await user.type(within(form).getByLabelText("Rows per batch"), "20000");
    await user.click(within(form).getByRole("button", { name: "Create sink" }));

    expect(await within(form).findByRole("alert")).toHaveTextContent("The sink is not valid");
    expect(within(form).getByLabelText("URL")).toHaveAccessibleDescription(expect.stringContaining("url is an https:// address"));
    expect(within(form).getByLabelText("URL")).toBeInvalid();
    expect(within(form).getByLabelText("Secret")).toHaveAccessibleDescription(expect.stringContaining("The secret has 16 to 256 characters."));
    expect(within(form).getByLabelText("Rows per batch")).toHaveAccessibleDescription(expect.stringContaining("maxBatch is from 1 to 10000 rows."));

    await user.clear(within(form).getByLabelText("URL"));
    await user.type(within(form).getByLabelText("URL"), "https://hooks.example.com/new");
    await user.clear(within(form).getByLabelText("Secret"));
    await user.type(within(form).getByLabelText("Secret"), "a-long-random-secret");
    await user.clear(within(form).getByLabelText("Rows per batch"));
    await user.type(within(form).getByLabelText("Wait (ms)"), "0");
    await user.click(within(form).getByRole("checkbox", { name: "memory_percent" }));
    await user.click(within(form).getByRole("button", { name: "Create sink" }));

    expect(await screen.findByRole("listitem", { name: "https://hooks.example.com/new" })).toHaveTextContent("Metricsmemory_percent");
    expect(screen.queryByRole("form", { name: "New sink" })).not.toBeInTheDocument();
    expect(screen.getByText("Added a sink to https://hooks.example.com/new.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Add sink" })).toHaveFocus());
    const posts = sent(requests, "POST", SINKS);
    expect(posts.map((r) => r.body)).toEqual([
      { url: "http://hooks.example.com/x", secret: "short", maxBatch: 20000 },
      { url: "https://hooks.example.com/new", secret: "a-long-random-secret", metrics: ["memory_percent"], batchMs: 0 },
    ]);
  });

  it("refuses a batch size that is not a whole number before asking the server", async () => {
    const { requests } = server([]);
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("button", { name: "Add sink" }));
    const form = screen.getByRole("form", { name: "New sink" });
    await user.type(within(form).getByLabelText("Wait (ms)"), "1.5");
    await user.click(within(form).getByRole("button", { name: "Create sink" }));
    expect(within(form).getByLabelText("Wait (ms)")).toHaveAccessibleDescription(expect.stringContaining("A whole number of milliseconds"));
    // What a number box could not read ("1e") would have reached the form as empty: the server's default, silently.
    await user.type(within(form).getByLabelText("Rows per batch"), "1e");
    await user.click(within(form).getByRole("button", { name: "Create sink" }));
    expect(within(form).getByLabelText("Rows per batch")).toHaveAccessibleDescription(expect.stringContaining("A whole number of rows"));
    expect(sent(requests, "POST", SINKS)).toHaveLength(0);
  });

  it("says so when the owner has too many sinks (409)", async () => {
    server([], {
      [`POST ${SINKS}`]: () =>
        problemResponse({ status: 409, title: "Too many sinks", detail: "You have 20 sinks, the most an owner may have (EXPORTS_SINKS_PER_OWNER); delete one to add another." }),
    });
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByRole("button", { name: "Add sink" }));
    const form = screen.getByRole("form", { name: "New sink" });
    await user.type(within(form).getByLabelText("URL"), "https://hooks.example.com/new");
    await user.type(within(form).getByLabelText("Secret"), "a-long-random-secret");
    await user.click(within(form).getByRole("button", { name: "Create sink" }));

    const alert = await within(form).findByRole("alert");
    expect(alert).toHaveTextContent("Too many sinks");
    expect(alert).toHaveTextContent("You have 20 sinks, the most an owner may have");
    expect(form).toBeInTheDocument();
  });

  it("edits a sink: an empty secret keeps the stored one, and its filter is sent back unchanged", async () => {
    const { requests } = server([ACTIVE_SINK], {
      [`PUT ${SINKS}/${ACTIVE_SINK.id}`]: (request) => jsonResponse({ ...ACTIVE_SINK, ...(request.body as object) }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Edit" }));

    const form = screen.getByRole("form", { name: "Edit sink" });
    expect(within(form).getByLabelText("URL")).toHaveValue(ACTIVE_SINK.url);
    expect(within(form).getByLabelText("Secret")).toHaveValue("");
    expect(within(form).getByLabelText("Secret")).toHaveAccessibleDescription("Stored: leave empty to keep it.");
    expect(within(form).getByRole("checkbox", { name: "cpu_percent" })).toBeChecked();
    expect(within(form).getByLabelText("Wait (ms)")).toHaveValue("250");
    expect(form).toHaveTextContent('"value": "web-01"');
    await user.clear(within(form).getByLabelText("Rows per batch"));
    await user.type(within(form).getByLabelText("Rows per batch"), "50");
    await user.click(within(form).getByRole("checkbox", { name: "cpu_percent" }));
    // "Add sink" waits while the edit is open, so the edit cannot be lost to a new form.
    expect(screen.getByRole("button", { name: "Add sink" })).toBeDisabled();
    await user.click(within(form).getByRole("button", { name: "Save sink" }));

    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit sink" })).not.toBeInTheDocument());
    await waitFor(() => expect(within(card).getByRole("button", { name: "Edit" })).toHaveFocus());
    expect(sent(requests, "PUT", `${SINKS}/${ACTIVE_SINK.id}`).map((r) => r.body)).toEqual([
      { url: ACTIVE_SINK.url, filter: { field: "server", op: "eq", value: "web-01" }, batchMs: 250, maxBatch: 50 },
    ]);
  });

  it("edits a sink that sends a metric the source no longer lists: it is shown checked and can be unchecked", async () => {
    const sink = { ...ACTIVE_SINK, metrics: ["cpu_percent", "disk_io"] };
    const { requests } = server([sink], {
      [`PUT ${SINKS}/${sink.id}`]: (request) => jsonResponse({ ...sink, ...(request.body as object) }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: sink.url });
    await user.click(within(card).getByRole("button", { name: "Edit" }));

    const form = screen.getByRole("form", { name: "Edit sink" });
    expect(within(form).getAllByRole("checkbox")).toHaveLength(4);
    const stale = within(form).getByRole("checkbox", { name: "disk_io (not in the source now)" });
    expect(stale).toBeChecked();
    await user.click(stale);
    await user.click(within(form).getByRole("button", { name: "Save sink" }));

    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit sink" })).not.toBeInTheDocument());
    expect(sent(requests, "PUT", `${SINKS}/${sink.id}`).map((r) => (r.body as { metrics?: string[] }).metrics)).toEqual([["cpu_percent"]]);
  });

  it("sends a test event and shows what the receiver answered, delivered or not", async () => {
    let answer = 0;
    const { requests } = server([ACTIVE_SINK], {
      [`POST ${SINKS}/${ACTIVE_SINK.id}/test`]: () =>
        ++answer === 1
          ? jsonResponse({ delivered: true, httpStatus: 200, latencyMs: 12, error: null })
          : jsonResponse({ delivered: false, httpStatus: 500, latencyMs: 1460, error: "HTTP 500 Internal Server Error" }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });

    await user.click(within(card).getByRole("button", { name: "Send test" }));
    expect(await within(card).findByText(/Test delivered/)).toBeInTheDocument();
    expect(within(card).getByRole("status")).toHaveTextContent("Test delivered: HTTP 200 in 12 ms.");
    await user.click(within(card).getByRole("button", { name: "Send test" }));
    await waitFor(() => expect(within(card).getByRole("status")).toHaveTextContent("Test not delivered: HTTP 500 after 1.5 s: HTTP 500 Internal Server Error"));
    expect(sent(requests, "POST", `${SINKS}/${ACTIVE_SINK.id}/test`)).toHaveLength(2);
  });

  it("forgets a test's outcome once the sink's URL is edited, and closing the form goes back to that sink's Edit", async () => {
    const { update } = server([ACTIVE_SINK, PAUSED_SINK], {
      [`POST ${SINKS}/${ACTIVE_SINK.id}/test`]: () => jsonResponse({ delivered: true, httpStatus: 200, latencyMs: 12, error: null }),
      [`PUT ${SINKS}/${ACTIVE_SINK.id}`]: (request) => jsonResponse(update({ ...ACTIVE_SINK, ...(request.body as object) }).find((sink) => sink.id === ACTIVE_SINK.id)),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Send test" }));
    expect(await within(card).findByText(/Test delivered/)).toBeInTheDocument();

    // Cancel changes nothing, and focus returns to this card's Edit (not to "Add sink").
    await user.click(within(card).getByRole("button", { name: "Edit" }));
    await user.click(within(screen.getByRole("form", { name: "Edit sink" })).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(within(card).getByRole("button", { name: "Edit" })).toHaveFocus());
    expect(within(card).getByText(/Test delivered/)).toBeInTheDocument();

    await user.click(within(card).getByRole("button", { name: "Edit" }));
    const form = screen.getByRole("form", { name: "Edit sink" });
    await user.clear(within(form).getByLabelText("URL"));
    await user.type(within(form).getByLabelText("URL"), "https://hooks.example.com/cpu-v2");
    await user.click(within(form).getByRole("button", { name: "Save sink" }));

    await waitFor(() => expect(card).toHaveAccessibleName("https://hooks.example.com/cpu-v2"));
    expect(within(card).queryByText(/Test delivered/)).not.toBeInTheDocument();
    expect(within(card).queryByRole("status")).not.toBeInTheDocument();
  });

  it("shows a throttled test (429) as an error beside the sink", async () => {
    server([ACTIVE_SINK], {
      [`POST ${SINKS}/${ACTIVE_SINK.id}/test`]: () => problemResponse({ status: 429, title: "Too many test sends", detail: "Try again in a minute." }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Send test" }));
    expect(await within(card).findByRole("alert")).toHaveTextContent("Too many test sends: Try again in a minute.");
  });

  it("lists a sink's deliveries newest first when opened, and reads them again on Refresh", async () => {
    let reads = 0;
    const { requests } = server([ACTIVE_SINK], {
      [`GET ${SINKS}/${ACTIVE_SINK.id}/deliveries`]: () => {
        reads += 1;
        const older = [
          deliveryJson(6),
          deliveryJson(7, {
            status: "failed",
            attempts: 4,
            httpStatus: 503,
            latencyMs: 2100,
            lastError: "HTTP 503 Service Unavailable",
            note: "events 60 to 65 were deleted by retention before delivery",
            createdAt: "2026-11-30T09:10:07+00:00",
            deliveredAt: null,
          }),
        ];
        return jsonResponse(reads === 1 ? older : [deliveryJson(8, { status: "pending", attempts: 0, httpStatus: null, latencyMs: null, deliveredAt: null }), ...older]);
      },
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    const toggle = within(card).getByRole("button", { name: "Deliveries" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(sent(requests, "GET", `${SINKS}/${ACTIVE_SINK.id}/deliveries`)).toHaveLength(0);
    await user.click(toggle);

    const table = await within(card).findByRole("table");
    let rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual(["#7", "#6"]);
    const failed = rows[0]!;
    expect(within(failed).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "70–72",
      "3",
      "Failed",
      "4",
      "503",
      "2.1 s",
      // To the second, with the zone: times to compare with the receiver's logs.
      expect.stringMatching(new RegExp(`^Nov 30, 2026, .*:07 [AP]M ${zonePattern("2026-11-30T09:10:07Z")}$`)),
      "–",
      "HTTP 503 Service Unavailable",
      "events 60 to 65 were deleted by retention before delivery",
    ]);
    expect(within(rows[1]!).getAllByRole("cell")[2]).toHaveTextContent("Delivered");
    expect(card).not.toHaveTextContent("The latest 100 batches");
    expect(within(rows[1]!).getAllByRole("cell")[7]!.textContent).toMatch(new RegExp(`:01 [AP]M ${zonePattern("2026-11-30T09:00:01Z")}$`));

    await user.click(within(card).getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(4));
    rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual(["#8", "#7", "#6"]);
    expect(within(rows[0]!).getAllByRole("cell")[2]).toHaveTextContent("Pending");
    // Refresh reads the sinks too, so the sink's own state is as current as its batches.
    expect(sent(requests, "GET", SINKS).length).toBeGreaterThanOrEqual(2);
  });

  it("says the deliveries are the latest 100 when 100 come back (the API keeps no more)", async () => {
    server([ACTIVE_SINK], {
      [`GET ${SINKS}/${ACTIVE_SINK.id}/deliveries`]: () => jsonResponse(Array.from({ length: 100 }, (_, index) => deliveryJson(index + 1))),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Deliveries" }));

    const table = await within(card).findByRole("table");
    expect(within(table).getAllByRole("row")).toHaveLength(101);
    expect(card).toHaveTextContent("The latest 100 batches: older ones are not kept.");
  });

  it("resumes a paused sink", async () => {
    const { requests } = server([PAUSED_SINK], {
      [`POST ${SINKS}/${PAUSED_SINK.id}/resume`]: () => jsonResponse({ ...PAUSED_SINK, status: "active", pausedAt: null, pausedReason: null, failingSince: null }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: PAUSED_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Resume" }));

    await waitFor(() => expect(within(card).getByText("Active")).toBeInTheDocument());
    expect(within(card).queryByRole("button", { name: "Resume" })).not.toBeInTheDocument();
    expect(card).not.toHaveTextContent("404 Not Found");
    expect(sent(requests, "POST", `${SINKS}/${PAUSED_SINK.id}/resume`)).toHaveLength(1);
  });

  it("deletes a sink after asking", async () => {
    const { requests } = server([ACTIVE_SINK, PAUSED_SINK], {
      [`DELETE ${SINKS}/${ACTIVE_SINK.id}`]: () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderPage();
    const card = await screen.findByRole("listitem", { name: ACTIVE_SINK.url });
    await user.click(within(card).getByRole("button", { name: "Delete" }));
    const dialog = screen.getByRole("dialog", { name: "Delete sink?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(sent(requests, "DELETE", `${SINKS}/${ACTIVE_SINK.id}`)).toHaveLength(0);

    await user.click(within(card).getByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("dialog", { name: "Delete sink?" })).getByRole("button", { name: "Delete sink" }));
    await waitFor(() => expect(screen.queryByRole("listitem", { name: ACTIVE_SINK.url })).not.toBeInTheDocument());
    expect(screen.getByRole("listitem", { name: PAUSED_SINK.url })).toBeInTheDocument();
    // Its buttons are gone: focus goes to the section's heading, not to the page's start.
    await waitFor(() => expect(screen.getByRole("heading", { level: 2, name: "Webhook sinks" })).toHaveFocus());
    expect(screen.getByText(`Deleted the sink to ${ACTIVE_SINK.url}.`)).toBeInTheDocument();
    expect(sent(requests, "DELETE", `${SINKS}/${ACTIVE_SINK.id}`)).toHaveLength(1);
  });

  it("says clearly when no source has the name, with a way back", async () => {
    server([]);
    renderWithClient(<SourceView name="nope" listHref="#/sources" exploreHref={(name) => `#/explore?source=${name}`} />);
    expect(await screen.findByRole("heading", { level: 1, name: "No source named “nope”" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to all sources" })).toHaveAttribute("href", "#/sources");
  });
});
