import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// jsdom has no object URLs; tests spy on these to capture downloads.
if (!("createObjectURL" in URL)) {
  Object.assign(URL, {
    createObjectURL: () => "blob:unsupported",
    revokeObjectURL: () => undefined,
  });
}

afterEach(() => cleanup());
