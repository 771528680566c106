import { LineCounter, isAlias, isMap, isPair, isScalar, parseDocument, type Document, type Node } from "yaml";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML manifest that can say where any JSON path sits in the original text. */
export class YamlSource {
  private constructor(
    readonly document: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string): YamlSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    return new YamlSource(document, lines);
  }

  positionOfOffset(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. With `key`, the position of that key. */
  positionOf(path: readonly (string | number)[], key?: string): Position {
    for (let depth = path.length; depth >= 0; depth--) {
      let node = this.document.getIn(path.slice(0, depth), true) as Node | undefined;
      if (!node && depth > 0) continue;
      // A value reused through a YAML alias is reported where it is written (the anchor), once, not at every use.
      if (node && isAlias(node)) node = (node.resolve(this.document) as Node | undefined) ?? node;
      const target = node ?? this.document.contents;
      if (key !== undefined && depth === path.length && isMap(target)) {
        const pair = target.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        const keyNode = pair && isScalar(pair.key) ? pair.key : undefined;
        if (keyNode?.range) return this.positionOfOffset(keyNode.range[0]);
      }
      if (target?.range) return this.positionOfOffset(target.range[0]);
    }
    return { line: 1, column: 1 };
  }
}

export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

export function pathToPointer(path: readonly (string | number)[]): string {
  return path.map((segment) => "/" + String(segment).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
