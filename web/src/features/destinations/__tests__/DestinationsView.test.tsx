import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { BUCKET, HOOK, OPS_MAIL, SFTP, type DestinationJson } from "../../../test/destinations";
import { jsonResponse, mockFetch, problemResponse, type RecordedRequest } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { DestinationsView } from "../components/DestinationsView";

const LIST = "GET /api/v1/destinations";
const CREATE = "POST /api/v1/destinations";
const KINDS = "GET /api/v1/destinations/kinds";
const ALL_KINDS = ["email", "webhook", "s3", "sftp"].map((kind) => ({ kind, available: true }));

const HOST_KEY = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n";

type User = ReturnType<typeof userEvent.setup>;

/** The row's cell under the column header `column` (the first cell is the row header). */
function cell(row: HTMLElement, column: string): HTMLElement {
  const headers = within(row.closest("table")!).getAllByRole("columnheader").map((header) => header.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`No column ${column}: ${headers.join(", ")}`);
  return row.children[index] as HTMLElement;
}

/** Replaces a box's text; pasting keeps the braces of placeholders such as {template} as typed. */
async function fill(user: User, box: HTMLElement, text: string) {
  await user.clear(box);
  await user.click(box);
  await user.paste(text);
}

/** The destination the server answers with for a body it accepted. */
function saved(request: RecordedRequest, id: string): DestinationJson {
  const body = request.body as { name: string; kind: string; config: Record<string, unknown>; secrets?: Record<string, string> };
  return {
    id,
    name: body.name,
    kind: body.kind,
    config: body.config,
    secrets: Object.keys(body.secrets ?? {}),
    createdAt: "2026-11-22T09:00:00+00:00",
    updatedAt: "2026-11-22T09:00:00+00:00",
  };
}

/** A server whose list grows with each destination created. */
function destinationsServer(initial: DestinationJson[], extra: Parameters<typeof mockFetch>[0] = {}) {
  let list = [...initial];
  return mockFetch({
    [KINDS]: () => jsonResponse(ALL_KINDS),
    [LIST]: () => jsonResponse(list),
    [CREATE]: (request) => {
      const destination = saved(request, "d-new");
      list = [...list, destination];
      return jsonResponse(destination, 201);
    },
    ...extra,
  });
}

async function openNewForm(user: User) {
  await user.click(screen.getByRole("button", { name: "New destination" }));
  const form = screen.getByRole("form", { name: "New destination" });
  expect(within(form).getByRole("heading", { name: "New destination" })).toHaveFocus();
  return form;
}

describe("DestinationsView", () => {
  it("lists destinations with their kind, where they send files and which secrets are set", async () => {
    mockFetch({ [LIST]: () => jsonResponse([BUCKET, OPS_MAIL, SFTP, HOOK]) });
    renderWithClient(<DestinationsView />);

    const mail = await screen.findByRole("row", { name: "Ops inbox" });
    expect(cell(mail, "Kind")).toHaveTextContent("E-mail");
    expect(cell(mail, "Where")).toHaveTextContent("ops@example.com, oncall@example.com");
    expect(cell(mail, "Secrets")).toHaveTextContent("None");
    for (const name of ["Edit", "Delete"]) expect(within(mail).getByRole("button", { name })).toHaveAccessibleDescription("Ops inbox");

    const hook = screen.getByRole("row", { name: "Reports hook" });
    expect(cell(hook, "Kind")).toHaveTextContent("Webhook");
    expect(cell(hook, "Where")).toHaveTextContent(/^hooks\.example\.com$/);
    expect(cell(hook, "Secrets")).toHaveTextContent("Signing secret set");

    const bucket = screen.getByRole("row", { name: "Archive bucket" });
    expect(cell(bucket, "Kind")).toHaveTextContent("S3");
    expect(cell(bucket, "Where")).toHaveTextContent("s3://exports/daily/ on minio.example.com:9000");
    expect(cell(bucket, "Secrets")).toHaveTextContent("Access key and secret key set");

    const sftp = screen.getByRole("row", { name: "Partner SFTP" });
    expect(cell(sftp, "Kind")).toHaveTextContent("SFTP");
    expect(cell(sftp, "Where")).toHaveTextContent("exports@files.example.com:/incoming (port 2222)");
    expect(cell(sftp, "Secrets")).toHaveTextContent("Private key set");
  });

  it("says so when there are no destinations yet", async () => {
    mockFetch({ [LIST]: () => jsonResponse([]) });
    renderWithClient(<DestinationsView />);

    expect(await screen.findByText(/No destinations yet/)).toBeInTheDocument();
  });

  it.each([
    {
      kind: "E-mail",
      name: "Ops inbox",
      fill: async (user: User, form: HTMLElement) => {
        await fill(user, within(form).getByLabelText("Recipients"), "ops@example.com, oncall@example.com\n\nlead@example.com;");
        await fill(user, within(form).getByLabelText("Subject"), "{template}: {range} ({date:yyyy-MM-dd})");
        await user.type(within(form).getByLabelText("Attachment limit (MB)"), "5");
      },
      expected: {
        kind: "email",
        config: {
          to: ["ops@example.com", "oncall@example.com", "lead@example.com"],
          subject: "{template}: {range} ({date:yyyy-MM-dd})",
          attachUpToBytes: 5_242_880,
        },
      },
      where: "ops@example.com, oncall@example.com, lead@example.com",
    },
    {
      kind: "Webhook",
      name: "Reports hook",
      fill: async (user: User, form: HTMLElement) => {
        await user.type(within(form).getByLabelText("URL"), "https://hooks.example.com/exports");
        const secret = within(form).getByLabelText("Signing secret");
        expect(secret).toHaveAttribute("type", "password");
        expect(secret).not.toHaveAttribute("placeholder");
        await user.type(secret, "a-long-signing-secret");
      },
      expected: {
        kind: "webhook",
        config: { url: "https://hooks.example.com/exports" },
        secrets: { signingSecret: "a-long-signing-secret" },
      },
      where: "hooks.example.com",
    },
    {
      kind: "S3",
      name: "Archive bucket",
      fill: async (user: User, form: HTMLElement) => {
        await user.type(within(form).getByLabelText("Bucket"), "exports");
        await user.type(within(form).getByLabelText("Prefix"), "daily/");
        await user.type(within(form).getByLabelText("Endpoint"), "https://minio.example.com:9000");
        await user.type(within(form).getByLabelText("Region"), "eu-central-1");
        expect(within(form).getByRole("checkbox", { name: "Path-style addressing" })).toBeChecked();
        await user.click(within(form).getByRole("checkbox", { name: "Path-style addressing" }));
        await user.type(within(form).getByLabelText("Access key"), "AKIAEXAMPLE");
        await user.type(within(form).getByLabelText("Secret key"), "s3cr3t/key");
      },
      expected: {
        kind: "s3",
        config: { bucket: "exports", endpoint: "https://minio.example.com:9000", prefix: "daily/", region: "eu-central-1", pathStyle: false },
        secrets: { accessKey: "AKIAEXAMPLE", secretKey: "s3cr3t/key" },
      },
      where: "s3://exports/daily/ on minio.example.com:9000",
    },
    {
      kind: "SFTP",
      name: "Partner SFTP",
      fill: async (user: User, form: HTMLElement) => {
        await user.type(within(form).getByLabelText("Host"), "files.example.com");
        await user.type(within(form).getByLabelText("Port"), "2222");
        await user.type(within(form).getByLabelText("Username"), "exports");
        await user.type(within(form).getByLabelText("Path"), "/incoming");
        await fill(user, within(form).getByLabelText("Host key fingerprint"), HOST_KEY);
        await fill(user, within(form).getByLabelText("Private key"), PRIVATE_KEY);
      },
      expected: {
        kind: "sftp",
        config: {
          host: "files.example.com",
          port: 2222,
          username: "exports",
          path: "/incoming",
          hostKey: HOST_KEY,
        },
        secrets: { privateKey: PRIVATE_KEY },
      },
      where: "exports@files.example.com:/incoming (port 2222)",
    },
  ])("creates a new $kind destination with exactly what the form says", async ({ kind, name, fill: fillKind, expected, where }) => {
    const requests = destinationsServer([]);
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    await screen.findByText(/No destinations yet/);

    const form = await openNewForm(user);
    expect(within(form).getByRole("radio", { name: "E-mail" })).toBeChecked();
    await user.type(within(form).getByLabelText("Name"), name);
    await user.click(within(form).getByRole("radio", { name: kind }));
    await fillKind(user, form);
    await user.click(within(form).getByRole("button", { name: "Create destination" }));

    const row = await screen.findByRole("row", { name });
    expect(cell(row, "Where")).toHaveTextContent(where);
    expect(screen.queryByRole("form", { name: "New destination" })).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent(`Saved “${name}”.`);
    const posted = requests.filter((request) => request.method === "POST");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url).toBe("/api/v1/destinations");
    expect(posted[0]!.body).toEqual({ name, ...expected });
  });

  it("shows the server's field errors beside the fields, naming the recipient an error is about, and a taken name at the name", async () => {
    let attempts = 0;
    destinationsServer([], {
      [CREATE]: () => {
        attempts += 1;
        if (attempts === 1) {
          return problemResponse({
            status: 400,
            title: "The destination is not valid",
            errors: {
              "config.to[1]": ["Not an e-mail address."],
              "config.subject": ["Unknown placeholder {tempate}."],
              "config.attachUpToBytes": ["attachUpToBytes is from 0 to 26214400 (larger files go as a signed link)."],
              kind: ["E-mail delivery needs this server's SMTP settings (EXPORTS_SMTP_HOST)."],
            },
          });
        }
        if (attempts === 2) {
          return problemResponse({
            status: 400,
            title: "The destination is not valid",
            errors: {
              "config.url": ["url is an https:// address (http only to this machine, for testing)."],
              "secrets.signingSecret": ["The signing secret has at least 16 characters."],
              "secrets.password": ["webhook destinations have no secret 'password'."],
            },
          });
        }
        return problemResponse({ status: 409, title: "A destination with this name exists", detail: "You already have a destination named 'Ops'." });
      },
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);
    await screen.findByText(/No destinations yet/);

    const form = await openNewForm(user);
    await user.type(within(form).getByLabelText("Name"), "Ops");
    await fill(user, within(form).getByLabelText("Recipients"), "ops@example.com, not-an-address");
    await fill(user, within(form).getByLabelText("Subject"), "{tempate}");
    await user.type(within(form).getByLabelText("Attachment limit (MB)"), "30");
    await user.click(within(form).getByRole("button", { name: "Create destination" }));

    expect(await within(form).findByRole("alert")).toHaveTextContent("The destination is not valid");
    expect(within(form).getByLabelText("Recipients")).toHaveAccessibleDescription(
      expect.stringContaining("not-an-address: Not an e-mail address."),
    );
    expect(within(form).getByLabelText("Recipients")).toBeInvalid();
    expect(within(form).getByLabelText("Subject")).toHaveAccessibleDescription(expect.stringContaining("Unknown placeholder {tempate}."));
    expect(within(form).getByLabelText("Attachment limit (MB)")).toHaveAccessibleDescription(
      expect.stringContaining("attachUpToBytes is from 0 to 26214400"),
    );
    expect(within(form).getByRole("group", { name: "Kind" })).toHaveAccessibleDescription(
      "E-mail delivery needs this server's SMTP settings (EXPORTS_SMTP_HOST).",
    );
    expect(within(form).getByRole("alert")).not.toHaveTextContent("Not an e-mail address.");

    await user.click(within(form).getByRole("radio", { name: "Webhook" }));
    await user.type(within(form).getByLabelText("URL"), "http://hooks.example.com");
    await user.type(within(form).getByLabelText("Signing secret"), "short");
    await user.click(within(form).getByRole("button", { name: "Create destination" }));

    await waitFor(() =>
      expect(within(form).getByLabelText("URL")).toHaveAccessibleDescription(expect.stringContaining("url is an https:// address")),
    );
    expect(within(form).getByLabelText("Signing secret")).toHaveAccessibleDescription(
      expect.stringContaining("The signing secret has at least 16 characters."),
    );
    // A field the form does not show is listed above it.
    expect(within(form).getByRole("alert")).toHaveTextContent("secrets.password: webhook destinations have no secret 'password'.");

    await user.clear(within(form).getByLabelText("Signing secret"));
    await user.type(within(form).getByLabelText("Signing secret"), "a-long-signing-secret");
    await user.click(within(form).getByRole("button", { name: "Create destination" }));

    await waitFor(() =>
      expect(within(form).getByLabelText("Name")).toHaveAccessibleDescription(
        expect.stringContaining("You already have a destination named 'Ops'."),
      ),
    );
    expect(within(form).queryByRole("alert")).not.toBeInTheDocument();
  });

  it("edits a destination without sending secrets left empty, so the stored ones are kept", async () => {
    const requests = mockFetch({
      [LIST]: () => jsonResponse([OPS_MAIL, HOOK, BUCKET]),
      "PUT /api/v1/destinations/d-hook": (request) => jsonResponse(saved(request, "d-hook")),
      "PUT /api/v1/destinations/d-s3": (request) => jsonResponse({ ...saved(request, "d-s3"), secrets: ["accessKey", "secretKey"] }),
      "PUT /api/v1/destinations/d-mail": (request) => jsonResponse(saved(request, "d-mail")),
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);

    await user.click(within(await screen.findByRole("row", { name: "Reports hook" })).getByRole("button", { name: "Edit" }));
    let form = screen.getByRole("form", { name: "Edit destination" });
    expect(within(form).getByRole("heading", { name: "Edit destination" })).toHaveFocus();
    expect(within(form).getByRole("radio", { name: "Webhook" })).toBeChecked();
    expect(within(form).getByLabelText("Name")).toHaveValue("Reports hook");
    expect(within(form).getByLabelText("URL")).toHaveValue("https://hooks.example.com/exports?team=ops");
    const secret = within(form).getByLabelText("Signing secret");
    expect(secret).toHaveValue("");
    expect(secret).toHaveAttribute("placeholder", "unchanged");
    expect(secret).toHaveAccessibleDescription(expect.stringContaining("Leave empty to keep the stored one."));
    await fill(user, within(form).getByLabelText("URL"), "https://hooks.example.com/v2");
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit destination" })).not.toBeInTheDocument());

    // Only the secret typed is sent: the other stays as stored.
    await user.click(within(screen.getByRole("row", { name: "Archive bucket" })).getByRole("button", { name: "Edit" }));
    form = screen.getByRole("form", { name: "Edit destination" });
    expect(within(form).getByLabelText("Access key")).toHaveAttribute("placeholder", "unchanged");
    expect(within(form).getByLabelText("Secret key")).toHaveAttribute("placeholder", "unchanged");
    await user.type(within(form).getByLabelText("Secret key"), "rotated-secret");
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit destination" })).not.toBeInTheDocument());

    // An e-mail destination's byte limit goes back as it was saved while its megabytes are unchanged.
    await user.click(within(screen.getByRole("row", { name: "Ops inbox" })).getByRole("button", { name: "Edit" }));
    form = screen.getByRole("form", { name: "Edit destination" });
    expect(within(form).getByLabelText("Recipients")).toHaveValue("ops@example.com\noncall@example.com");
    expect(within(form).getByLabelText("Attachment limit (MB)")).toHaveValue(5);
    await user.click(within(form).getByRole("button", { name: "Save destination" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "Edit destination" })).not.toBeInTheDocument());

    const puts = requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.url)).toEqual([
      "/api/v1/destinations/d-hook",
      "/api/v1/destinations/d-s3",
      "/api/v1/destinations/d-mail",
    ]);
    expect(puts[0]!.body).toEqual({ name: "Reports hook", kind: "webhook", config: { url: "https://hooks.example.com/v2" } });
    expect(puts[0]!.body).not.toHaveProperty("secrets");
    expect(puts[1]!.body).toEqual({
      name: "Archive bucket",
      kind: "s3",
      config: { bucket: "exports", endpoint: "https://minio.example.com:9000", prefix: "daily/", region: "eu-central-1" },
      secrets: { secretKey: "rotated-secret" },
    });
    expect(puts[2]!.body).toEqual({
      name: "Ops inbox",
      kind: "email",
      config: { to: ["ops@example.com", "oncall@example.com"], subject: "Export ready: {template}", attachUpToBytes: 5_242_880 },
    });
  });

  it("deletes a destination once the deletion is confirmed", async () => {
    const requests = mockFetch({
      [LIST]: () => jsonResponse([OPS_MAIL, HOOK]),
      "DELETE /api/v1/destinations/d-hook": () => new Response(null, { status: 204 }),
    });
    const user = userEvent.setup();
    renderWithClient(<DestinationsView />);

    await user.click(within(await screen.findByRole("row", { name: "Reports hook" })).getByRole("button", { name: "Delete" }));
    const confirm = screen.getByRole("dialog", { name: "Delete destination?" });
    expect(confirm).toHaveAccessibleDescription(expect.stringContaining("“Reports hook” is deleted with its secrets."));
    await user.click(within(confirm).getByRole("button", { name: "Delete destination" }));

    await waitFor(() => expect(screen.queryByRole("row", { name: "Reports hook" })).not.toBeInTheDocument());
    expect(screen.getByRole("row", { name: "Ops inbox" })).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Deleted “Reports hook”.");
    expect(requests.filter((request) => request.method === "DELETE").map((request) => request.url)).toEqual([
      "/api/v1/destinations/d-hook",
    ]);
  });
});
