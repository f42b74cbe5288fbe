/**
 * The nodes of a node layer and the subnodes that feed them: layer l-1's outputs are the
 * subnodes of node layer l, one per sum node, then `arity` per multiplication node.
 *
 * ```js
 * nodeGroups({ width: [[2, 0], [1, 2], [1, 0]], multArity: [[], [2, 3], []] }, 1);
 * // [[0], [1, 2], [3, 4, 5]]: sum node 0, then two mult nodes of arity 2 and 3
 * ```
 */
import type { KANConfig } from "./config.js";

/** What the node structure needs of a configuration. @internal */
export type NodeConfig = Pick<KANConfig, "width"> & { multArity?: number[][] };

/** The arity of each multiplication node of node layer `l` (2 where the config says nothing). @internal */
export function multArities(cfg: NodeConfig, l: number): number[] {
  const m = cfg.width[l]![1];
  const a = cfg.multArity?.[l];
  return Array.from({ length: m }, (_, q) => a?.[q] ?? 2);
}

/** For each node of node layer `l`, the indices of its subnodes among layer l-1's outputs. @internal */
export function nodeGroups(cfg: NodeConfig, l: number): number[][] {
  const [s] = cfg.width[l]!;
  const groups: number[][] = Array.from({ length: s }, (_, q) => [q]);
  let at = s;
  for (const a of multArities(cfg, l)) {
    groups.push(Array.from({ length: a }, (_, t) => at + t));
    at += a;
  }
  return groups;
}
