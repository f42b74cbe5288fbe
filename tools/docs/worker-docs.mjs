// A TypeDoc plugin: WorkerKAN's methods are KAN's, made asynchronous by a mapped type, which
// carries no doc comments. This gives each WorkerKAN member without one the comment of the KAN
// member of the same name, so the two stay documented from one source.
import { Converter } from "typedoc";

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const kan = context.project.getChildByName(["index", "KAN"]);
    const worker = context.project.getChildByName(["worker", "WorkerKAN"]);
    if (!kan || !worker) return;
    const copy = (from, to) => {
      if (from?.comment && to && !to.hasComment()) to.comment = from.comment.clone();
    };
    for (const member of worker.children ?? []) {
      const source = kan.getChildByName(member.name);
      if (!source) continue;
      member.signatures?.forEach((sig, i) => copy(source.signatures?.[i], sig));
      copy(source.getSignature, member.getSignature);
    }
  });
}
