import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { serversQuery } from "../../../test/fixtures";
import { XlsxOptionsPanel } from "../components/options/XlsxOptionsPanel";
import { initialSettings, xlsxOptions } from "../utils/export-settings";
import { XLSX_DEFAULTS, type XlsxSettings } from "../utils/format-defaults";
import { validateOptions } from "../utils/validate-settings";

/** The panel with its state and the dialog's client validation, as the Options step wires it. */
function renderPanel(initial: Partial<XlsxSettings> = {}) {
  const latest: { value: XlsxSettings } = { value: { ...XLSX_DEFAULTS, ...initial } };
  function Harness() {
    const [value, setValue] = useState(latest.value);
    const errors = validateOptions({ ...initialSettings(serversQuery, "xlsx"), xlsx: value });
    return (
      <XlsxOptionsPanel
        value={value}
        onChange={(next) => {
          latest.value = next;
          setValue(next);
        }}
        errorsOf={(name) => errors[name]}
      />
    );
  }
  render(<Harness />);
  return latest;
}

describe("XlsxOptionsPanel", () => {
  it("starts at the server's defaults, so nothing needs sending", () => {
    const latest = renderPanel();

    expect(screen.getByLabelText("Excel sheet name")).toHaveValue("Data");
    expect(screen.getByLabelText("Conditional formatting")).toHaveValue("colorScale");
    expect(screen.getByRole("checkbox", { name: /^Include summary sheet/ })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: /^Include chart/ })).toBeChecked();
    expect(screen.queryByLabelText("Threshold")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Template sheet")).toBeDisabled();
    expect(xlsxOptions(latest.value)).toEqual({});
  });

  it("asks for a threshold when highlighting above one, then sends it", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();

    await user.selectOptions(screen.getByLabelText("Conditional formatting"), "Highlight values above a threshold");
    const threshold = screen.getByLabelText("Threshold");
    expect(threshold).toHaveAttribute("aria-invalid", "true");
    expect(threshold).toHaveAccessibleDescription(/Enter the value above which cells are highlighted\./);

    await user.type(threshold, "80");
    expect(threshold).not.toHaveAttribute("aria-invalid");
    expect(xlsxOptions(latest.value)).toEqual({ conditionalFormatting: "threshold", threshold: 80 });
  });

  it.each([
    ["Q1/Q2", "A sheet name cannot contain [ ] : * ? / \\."],
    ["[draft]", "A sheet name cannot contain [ ] : * ? / \\."],
    ["x".repeat(32), "A sheet name has at most 31 characters."],
    ["'quoted'", "A sheet name cannot start or end with an apostrophe."],
    ["   ", "Enter a sheet name."],
  ])("shows an error under the sheet name %j", async (name, message) => {
    const user = userEvent.setup();
    renderPanel();
    const sheetName = screen.getByLabelText("Excel sheet name");

    await user.clear(sheetName);
    // user.type reads [ and { as key descriptors; paste types the text as it is.
    await user.click(sheetName);
    await user.paste(name);

    expect(sheetName).toHaveAttribute("aria-invalid", "true");
    expect(sheetName).toHaveAccessibleDescription(expect.stringContaining(message));
  });

  it("leaves out the summary and chart sheets when unticked", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();

    await user.click(screen.getByRole("checkbox", { name: /^Include summary sheet/ }));
    await user.click(screen.getByRole("checkbox", { name: /^Include chart/ }));

    expect(xlsxOptions(latest.value)).toEqual({ summary: false, chart: false });
  });

  it("reads a template workbook into base64 and requires the sheet that receives the data", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();
    const workbook = new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04])], "report.xlsx", {
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });

    await user.upload(screen.getByLabelText("Template workbook"), workbook);

    expect(await screen.findByText("Using report.xlsx (4 B).")).toBeInTheDocument();
    const templateSheet = screen.getByLabelText("Template sheet");
    expect(templateSheet).toBeEnabled();
    expect(templateSheet).toHaveAccessibleDescription(/Name the template's sheet that receives the data\./);

    await user.type(templateSheet, "Report");
    expect(templateSheet).not.toHaveAttribute("aria-invalid");
    expect(xlsxOptions(latest.value)).toEqual({ template: "UEsDBA==", templateSheet: "Report" });

    await user.click(screen.getByRole("button", { name: "Remove template" }));
    expect(screen.getByLabelText("Template sheet")).toBeDisabled();
    expect(xlsxOptions(latest.value)).toEqual({});
  });
});
