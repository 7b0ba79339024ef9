/** Building blocks for ONNX graphs written with onnx-proto (no Python): the generated models. */
import onnxProto from "onnx-proto";

export const { onnx } = onnxProto;
export type TensorProto = InstanceType<typeof onnx.TensorProto>;
export type NodeProto = InstanceType<typeof onnx.NodeProto>;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const INT32 = onnx.TensorProto.DataType.INT32;

export function floats(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`bad size for ${name}`);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: Array.from(values) });
}

export function int64s(name: string, dims: number[], values: number[]): TensorProto {
  return onnx.TensorProto.create({ name, dims, dataType: INT64, int64Data: values });
}

/** One node whose single output is named like the node; attributes are ints or int lists. */
export function node(opType: string, input: string[], output: string, attrs: Record<string, number | number[]> = {}): NodeProto {
  const attribute = Object.entries(attrs).map(([name, value]) =>
    Array.isArray(value)
      ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
      : { name, type: onnx.AttributeProto.AttributeType.INT, i: value },
  );
  return onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });
}

/** A graph input or output: string dims are symbolic (batch, sequence). */
export function valueInfo(name: string, elemType: number, dims: (string | number)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
