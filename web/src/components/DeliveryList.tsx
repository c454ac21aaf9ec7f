import { deliveryStatusClass, deliveryStatusLabel, type DeliveryResult } from "../lib/deliveries";
import { destinationKindLabel } from "../lib/destinations";

function attemptsText(attempts: number): string | undefined {
  if (attempts <= 0) return undefined;
  return attempts === 1 ? "1 attempt" : `${attempts} attempts`;
}

/**
 * An export's deliveries, one item per destination: its name, status ("Delivered", "Retrying", …), kind and
 * attempts, then what the destination reported, or the last error.
 */
export function DeliveryList({ deliveries, label }: { deliveries: readonly DeliveryResult[]; label: string }) {
  return (
    <ul className="delivery-list" aria-label={label}>
      {deliveries.map((delivery) => {
        const about = [destinationKindLabel(delivery.kind), attemptsText(delivery.attempts)].filter(Boolean).join(" · ");
        const failing = delivery.status === "failed" || delivery.status === "retrying";
        return (
          <li key={delivery.destinationId} className="delivery-item">
            <span className="delivery-head">
              <span className="delivery-name">{delivery.destinationName}</span>{" "}
              <span className={`status-badge ${deliveryStatusClass(delivery.status)}`}>{deliveryStatusLabel(delivery.status)}</span>
            </span>
            <span className="export-title">{about}</span>
            {delivery.detail && <span className="delivery-detail">{delivery.detail}</span>}
            {failing && delivery.lastError && <span className="row-error">{delivery.lastError}</span>}
          </li>
        );
      })}
    </ul>
  );
}
