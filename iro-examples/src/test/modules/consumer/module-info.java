/** A library user on the module path, as ModulePathTest compiles and runs it: it reads only what IRO exports. */
module consumer {
  requires ai.iro.onnx;
}
