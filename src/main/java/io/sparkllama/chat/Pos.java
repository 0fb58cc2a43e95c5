package io.sparkllama.chat;

/** A place in the template text: 1-based line and column (in characters of the line). */
record Pos(int line, int column) {
}
