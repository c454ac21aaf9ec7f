import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { jsonResponse, mockFetch } from "../../../test/fetch-mock";
import { renderWithClient } from "../../../test/render";
import { SERVERS_REQUEST, templateJson } from "../../../test/templates";
import type { TemplateRequestEditor } from "../components/TemplateFormDialog";
import { TemplatesView } from "../components/TemplatesView";

const DAILY = templateJson({ id: "t-daily", version: 3 });
const LAYOUT = templateJson({ id: "t-layout", name: "Board", request: { kind: "layout", layout: { title: "Board" }, format: "pdf" } });

/** Stands in for the export steps the page composes in: shows the series request, and switches it to Parquet. */
const stubEditor: TemplateRequestEditor = ({ request, onChange }) => {
  const series = request.series as Record<string, unknown>;
  return (
    <div>
      <p>Steps editing {String(series.source)} as {String(series.format)}</p>
      <button type="button" onClick={() => onChange({ ...request, series: { ...series, format: "parquet" }, format: "parquet" })}>
        Choose Parquet
      </button>
    </div>
  );
};

function renderTemplates() {
  return renderWithClient(<TemplatesView searchDelayMs={0} requestEditor={stubEditor} />);
}

describe("Template form with the export steps", () => {
  it("edits a series request with the steps, shows it as JSON on demand, and saves what the steps made", async () => {
    const requests = mockFetch({
      "GET /api/v1/templates": () => jsonResponse([DAILY]),
      "PUT /api/v1/templates/t-daily": () => jsonResponse(DAILY),
    });
    const user = userEvent.setup();
    renderTemplates();
    await user.click(within(await screen.findByRole("row", { name: "Servers daily" })).getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit template" });

    expect(within(dialog).queryByLabelText("Request (JSON)")).not.toBeInTheDocument();
    expect(within(dialog).getByText(/^Steps editing servers as/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Choose Parquet" }));

    // The JSON view is the expert option: it shows what the steps made, and goes back to the steps.
    await user.click(within(dialog).getByRole("button", { name: "Edit as JSON" }));
    const box = within(dialog).getByLabelText("Request (JSON)") as HTMLTextAreaElement;
    expect(JSON.parse(box.value)).toMatchObject({ format: "parquet", series: { format: "parquet" } });
    await user.click(within(dialog).getByRole("button", { name: "Edit with the export steps" }));
    expect(within(dialog).getByText("Steps editing servers as parquet")).toBeInTheDocument();

    await user.click(within(dialog).getByRole("button", { name: "Save new version" }));
    await screen.findByRole("row", { name: "Servers daily" });
    expect(requests.find((request) => request.method === "PUT")?.body).toEqual({
      name: DAILY.name,
      description: DAILY.description,
      request: { ...SERVERS_REQUEST, format: "parquet", series: { ...(SERVERS_REQUEST.series as object), format: "parquet" } },
    });
  });

  it("edits a layout template as JSON, since the steps make series requests", async () => {
    mockFetch({ "GET /api/v1/templates": () => jsonResponse([LAYOUT]) });
    const user = userEvent.setup();
    renderTemplates();
    await user.click(within(await screen.findByRole("row", { name: "Board" })).getByRole("button", { name: "Edit" }));
    const dialog = screen.getByRole("dialog", { name: "Edit template" });
    expect(JSON.parse((within(dialog).getByLabelText("Request (JSON)") as HTMLTextAreaElement).value)).toMatchObject({ kind: "layout" });
    await user.click(within(dialog).getByRole("button", { name: "Edit with the export steps" }));
    expect(within(dialog).getByLabelText("Request (JSON)")).toHaveAccessibleDescription(expect.stringContaining("Only a series export"));
  });
});
