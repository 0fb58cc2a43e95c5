package io.sparkllama.chat;

/** Anything a template can call: macros, global functions, bound methods, {@code loop.cycle}. */
interface JinjaCallable {
    Object call(Args args);
}
