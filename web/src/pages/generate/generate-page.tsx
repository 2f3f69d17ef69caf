// SCAFFOLD: replaced by the page's owner.
import type { Me } from "../../api/session";

export function GeneratePage({ me }: { me: Me }) {
  return (
    <section class="page">
      <h1>Generate a roster</h1>
      <p>{me.organization.name}</p>
    </section>
  );
}
