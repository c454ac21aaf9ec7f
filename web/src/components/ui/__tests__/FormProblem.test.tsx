import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../lib/api-client";
import { FormProblem } from "../Alert";

describe("FormProblem", () => {
  it("shows the server's title and detail, and only the field errors no input shows", () => {
    const error = new ApiError({
      status: 400,
      title: "The sink is not valid",
      detail: "Fix the fields below.",
      errors: { url: ["url is required."], "filter.field": ["No field 'x'."], batchMs: ["0 to 60000."] },
    });
    render(<FormProblem error={error} fallbackTitle="The sink could not be saved" placed={(field) => field === "url" || field === "batchMs"} />);
    const alert = screen.getByRole("alert");
    expect(within(alert).getByText("The sink is not valid")).toBeInTheDocument();
    expect(within(alert).getByText("Fix the fields below.")).toBeInTheDocument();
    expect(within(alert).getAllByRole("listitem").map((item) => item.textContent)).toEqual(["filter.field: No field 'x'."]);
  });

  it("names a failure that never reached the server with the fallback title and its message", () => {
    render(<FormProblem error={new Error("Failed to fetch")} fallbackTitle="The token could not be created" placed={() => false} />);
    const alert = screen.getByRole("alert");
    expect(within(alert).getByText("The token could not be created")).toBeInTheDocument();
    expect(within(alert).getByText("Failed to fetch")).toBeInTheDocument();
    expect(within(alert).queryByRole("list")).not.toBeInTheDocument();
  });
});
