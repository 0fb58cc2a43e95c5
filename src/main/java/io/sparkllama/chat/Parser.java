package io.sparkllama.chat;

import io.sparkllama.chat.Token.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds the AST from the tokens with Jinja2's grammar and operator precedence (loosest first):
 * {@code x if c else y}, {@code or}, {@code and}, {@code not}, comparisons and {@code in},
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code - +}, then postfix
 * {@code .a [i] (args)} with filters {@code |f} and tests {@code is t} binding tightest. Unknown
 * filters, tests and tags are errors here, as they are when Jinja2 compiles a template.
 */
final class Parser {
    private static final Set<String> UNSUPPORTED_TAGS = Set.of("block", "extends", "include", "import", "from", "call",
            "autoescape", "do", "trans", "pluralize");
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> CONSTANT_NAMES = Set.of("true", "false", "none", "True", "False", "None");
    private static final Set<Kind> TEST_ARGUMENT_START = Set.of(Kind.NAME, Kind.STRING, Kind.INTEGER, Kind.FLOAT);

    private final List<Token> tokens;
    private int at;
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** The statements of a whole template. */
    static List<Node> parse(String template) {
        Parser p = new Parser(Lexer.tokenize(template));
        return p.body(Set.of(), null);
    }

    // ---- statements ----

    /**
     * Nodes up to a block tag named in {@code endTags} (left unread: its name is the next token) or,
     * when {@code endTags} is empty, to the end of the template.
     */
    private List<Node> body(Set<String> endTags, Token opener) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = next();
            switch (t.kind()) {
                case DATA -> nodes.add(new Node.Text(t.text()));
                case VARIABLE_BEGIN -> {
                    nodes.add(new Node.Output(tuple(true, Set.of(), false)));
                    expect(Kind.VARIABLE_END);
                }
                case BLOCK_BEGIN -> {
                    if (peek().kind() == Kind.NAME && endTags.contains(peek().text())) {
                        return nodes;
                    }
                    statement(opener, nodes);
                }
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw error(t, "unexpected end of template: '{% " + opener.text() + " %}' (line " + opener.pos().line()
                                + ", column " + opener.pos().column() + ") is never closed with '{% end" + opener.text() + " %}'");
                    }
                    return nodes;
                }
                default -> throw error(t, "unexpected " + t.describe());
            }
        }
    }

    /** One {@code {% tag %}} statement, added to {@code into}. */
    private void statement(Token enclosing, List<Node> into) {
        Token t = peek();
        if (t.kind() != Kind.NAME) {
            throw error(t, "expected a tag name, got " + t.describe());
        }
        if (t.text().equals("print")) { // {% print a, b %} prints a then b
            next();
            do {
                into.add(new Node.Output(expression()));
            } while (skipOperator(","));
            expect(Kind.BLOCK_END);
            return;
        }
        into.add(tag(t, enclosing));
    }

    private Node tag(Token t, Token enclosing) {
        return switch (t.text()) {
            case "for" -> forLoop();
            case "if" -> ifStatement();
            case "set" -> set();
            case "macro" -> macro();
            case "with" -> with();
            case "filter" -> filterBlock();
            case "generation" -> generation();
            case "break", "continue" -> loopControl(t);
            default -> throw unknownTag(t, enclosing);
        };
    }

    private Node loopControl(Token t) {
        next();
        if (loopDepth == 0) {
            throw error(t, "'" + t.text() + "' outside loop");
        }
        expect(Kind.BLOCK_END);
        return t.text().equals("break") ? new Node.Break() : new Node.Continue();
    }

    private static ChatTemplateException unknownTag(Token t, Token enclosing) {
        if (UNSUPPORTED_TAGS.contains(t.text())) {
            return error(t, "the '{% " + t.text() + " %}' tag is not supported by this renderer");
        }
        String inner = enclosing == null ? "" : " (the innermost open block is '{% " + enclosing.text() + " %}' at line "
                + enclosing.pos().line() + ", column " + enclosing.pos().column() + ")";
        boolean misplaced = t.text().startsWith("end") || t.text().equals("else") || t.text().equals("elif");
        return error(t, (misplaced ? "unexpected '{% " + t.text() + " %}'" : "unknown tag '" + t.text() + "'") + inner);
    }

    private Node forLoop() {
        Token opener = next();
        Target target = assignTarget(false);
        expectName("in");
        Expr iterable = tuple(false, Set.of("recursive"), false);
        Expr filter = skipName("if") ? expression() : null;
        if (peek().isName("recursive")) {
            throw error(peek(), "recursive loops are not supported");
        }
        expect(Kind.BLOCK_END);
        loopDepth++;
        List<Node> body = body(Set.of("endfor", "else"), opener);
        loopDepth--;
        List<Node> otherwise = List.of();
        if (next().text().equals("else")) {
            expect(Kind.BLOCK_END);
            otherwise = body(Set.of("endfor"), opener);
            next();
        }
        expect(Kind.BLOCK_END);
        return new Node.For(target, iterable, filter, body, otherwise, opener.pos());
    }

    private Node ifStatement() {
        Token opener = next();
        List<Expr> conditions = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        Set<String> ends = Set.of("elif", "else", "endif");
        conditions.add(tuple(false, Set.of(), false));
        expect(Kind.BLOCK_END);
        bodies.add(body(ends, opener));
        while (true) {
            String tag = next().text();
            if (tag.equals("elif")) {
                conditions.add(tuple(false, Set.of(), false));
                expect(Kind.BLOCK_END);
                bodies.add(body(ends, opener));
                continue;
            }
            if (tag.equals("else")) {
                expect(Kind.BLOCK_END);
                otherwise = body(Set.of("endif"), opener);
                next();
            }
            expect(Kind.BLOCK_END);
            return new Node.If(conditions, bodies, otherwise);
        }
    }

    private Node set() {
        Token opener = next();
        Target target = assignTarget(true);
        if (skipOperator("=")) {
            Expr value = tuple(true, Set.of(), false);
            expect(Kind.BLOCK_END);
            return new Node.Set(target, value, opener.pos());
        }
        List<Expr.Filter> filters = peek().isOperator("|") ? filterChain(false) : List.of();
        return new Node.SetBlock(target, filters, blockBody(opener, false), opener.pos());
    }

    private Node macro() {
        Token opener = next();
        String name = expectName();
        expect(Kind.OPERATOR, "(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        commaSeparated(")", () -> {
            Token p = peek();
            params.add(expectName());
            if (skipOperator("=")) {
                defaults.add(expression());
            } else if (!defaults.isEmpty() && defaults.get(defaults.size() - 1) != null) {
                throw error(p, "non-default argument follows default argument");
            } else {
                defaults.add(null);
            }
        });
        return new Node.Macro(name, params, defaults, blockBody(opener, true));
    }

    private Node with() {
        Token opener = next();
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expect(Kind.OPERATOR, ",");
            }
            targets.add(assignTarget(false));
            expect(Kind.OPERATOR, "=");
            values.add(expression());
        }
        return new Node.With(targets, values, blockBody(opener, false), opener.pos());
    }

    private Node filterBlock() {
        Token opener = next();
        return new Node.FilterBlock(filterChain(true), blockBody(opener, false));
    }

    /** transformers' {@code {% generation %}}: its body is a Jinja2 call block, a macro of its own. */
    private Node generation() {
        Token opener = next();
        return new Node.Scoped(blockBody(opener, true));
    }

    /**
     * The rest of a block tag whose opener was read: its end, the body and the closing
     * {@code {% endNAME %}}.
     *
     * @param ownFunction a macro-like body, out of reach of the enclosing loop's break and continue
     */
    private List<Node> blockBody(Token opener, boolean ownFunction) {
        expect(Kind.BLOCK_END);
        int outerLoops = loopDepth;
        if (ownFunction) {
            loopDepth = 0;
        }
        List<Node> body = body(Set.of("end" + opener.text()), opener);
        loopDepth = outerLoops;
        next();
        expect(Kind.BLOCK_END);
        return body;
    }

    /** {@code name}, {@code a, b}, {@code (a, b)} or, where allowed, {@code ns.attr}. */
    private Target assignTarget(boolean allowNamespace) {
        Token first = peek();
        if (allowNamespace && first.kind() == Kind.NAME && tokens.get(at + 1).isOperator(".")) {
            String ns = expectName();
            next();
            return new Target.NamespaceAttribute(ns, expectName());
        }
        boolean parens = skipOperator("(");
        List<String> names = new ArrayList<>();
        boolean comma = false;
        do {
            if (!names.isEmpty() && (peek().kind() != Kind.NAME || peek().isName("in"))) {
                break; // trailing comma
            }
            Token t = peek();
            String name = expectName();
            if (CONSTANT_NAMES.contains(name)) {
                throw error(t, "cannot assign to '" + name + "'");
            }
            names.add(name);
        } while ((comma |= skipOperator(",")) && peek().kind() != Kind.BLOCK_END && !peek().isOperator("="));
        if (parens) {
            expect(Kind.OPERATOR, ")");
        }
        return names.size() == 1 && !comma && !parens ? new Target.Name(names.get(0)) : new Target.Names(names);
    }

    // ---- expressions ----

    /**
     * Comma-separated expressions: one alone is itself, several (or a trailing comma) a tuple.
     *
     * @param withCondition whether {@code x if c else y} is allowed (not where {@code if} filters a loop)
     * @param endNames      names that also end the list (e.g. "recursive")
     * @param parenthesized inside "( )", where "()" is the empty tuple
     */
    private Expr tuple(boolean withCondition, Set<String> endNames, boolean parenthesized) {
        Pos pos = peek().pos();
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expect(Kind.OPERATOR, ",");
            }
            Token t = peek();
            if (t.kind() == Kind.VARIABLE_END || t.kind() == Kind.BLOCK_END || t.isOperator(")")
                    || (t.kind() == Kind.NAME && endNames.contains(t.text()))) {
                break;
            }
            items.add(withCondition ? expression() : or());
            if (!peek().isOperator(",")) {
                break;
            }
            isTuple = true;
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.get(0);
            }
            if (!parenthesized) {
                throw error(peek(), "expected an expression, got " + peek().describe());
            }
        }
        return new Expr.TupleExpr(items, pos);
    }

    private Expr expression() {
        Expr e = or();
        while (peek().isName("if")) {
            Pos pos = next().pos();
            Expr condition = or();
            Expr otherwise = skipName("else") ? expression() : null;
            e = new Expr.Conditional(condition, e, otherwise, pos);
        }
        return e;
    }

    private Expr or() {
        return logical(this::and, "or");
    }

    private Expr and() {
        return logical(this::not, "and");
    }

    /** {@code operand (keyword operand)*}, grouped to the left. */
    private Expr logical(Supplier<Expr> operand, String keyword) {
        Expr e = operand.get();
        while (peek().isName(keyword)) {
            Pos pos = next().pos();
            e = new Expr.Logical(keyword.equals("and"), e, operand.get(), pos);
        }
        return e;
    }

    private Expr not() {
        if (peek().isName("not")) {
            Pos pos = next().pos();
            return new Expr.Unary("not", not(), pos);
        }
        return compare();
    }

    private Expr compare() {
        Pos pos = peek().pos();
        Expr first = sum();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && tokens.get(at + 1).isName("in")) {
                at += 2;
                ops.add("notin");
            } else {
                break;
            }
            operands.add(sum());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands, pos);
    }

    private Expr sum() {
        return arithmetic(this::concat, "+", "-");
    }

    private Expr concat() {
        return arithmetic(this::product, "~");
    }

    private Expr product() {
        return arithmetic(this::power, "*", "/", "//", "%");
    }

    private Expr power() {
        return arithmetic(() -> unary(true), "**"); // left-associative in Jinja2, unlike Python
    }

    /** {@code operand (op operand)*} for one precedence level, grouped to the left. */
    private Expr arithmetic(Supplier<Expr> operand, String... ops) {
        Expr e = operand.get();
        while (peek().kind() == Kind.OPERATOR && List.of(ops).contains(peek().text())) {
            Token op = next();
            e = new Expr.Binary(op.text(), e, operand.get(), op.pos());
        }
        return e;
    }

    /** Jinja2 applies postfix and filters to the negated operand's result: {@code -x|abs} is {@code abs(-x)}. */
    private Expr unary(boolean withFilters) {
        Expr e;
        if (peek().isOperator("-") || peek().isOperator("+")) {
            Token op = next();
            e = new Expr.Unary(op.text(), unary(false), op.pos());
        } else {
            e = primary();
        }
        e = postfix(e);
        return withFilters ? filtersAndTests(e) : e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME:
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Literal(Boolean.TRUE, t.pos());
                    case "false", "False" -> new Expr.Literal(Boolean.FALSE, t.pos());
                    case "none", "None" -> new Expr.Literal(null, t.pos());
                    default -> new Expr.Variable(t.text(), t.pos());
                };
            case STRING:
                StringBuilder s = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) { // "a" "b" is "ab", as in Python
                    s.append(next().text());
                }
                return new Expr.Literal(s.toString(), t.pos());
            case INTEGER:
            case FLOAT:
                return new Expr.Literal(t.value(), t.pos());
            case OPERATOR:
                if (t.text().equals("(")) {
                    Expr e = tuple(true, Set.of(), true);
                    expect(Kind.OPERATOR, ")");
                    return e;
                }
                if (t.text().equals("[")) {
                    List<Expr> items = new ArrayList<>();
                    commaSeparated("]", () -> items.add(expression()));
                    return new Expr.ListExpr(items, t.pos());
                }
                if (t.text().equals("{")) {
                    List<Expr> keys = new ArrayList<>();
                    List<Expr> values = new ArrayList<>();
                    commaSeparated("}", () -> {
                        keys.add(expression());
                        expect(Kind.OPERATOR, ":");
                        values.add(expression());
                    });
                    return new Expr.DictExpr(keys, values, t.pos());
                }
                throw error(t, "unexpected " + t.describe());
            default:
                throw error(t, "expected an expression, got " + t.describe());
        }
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOperator(".")) {
                next();
                Token name = next();
                if (name.kind() == Kind.NAME) {
                    e = new Expr.Attribute(e, name.text(), name.pos());
                } else if (name.kind() == Kind.INTEGER) {
                    e = new Expr.Item(e, new Expr.Literal(name.value(), name.pos()), name.pos());
                } else {
                    throw error(name, "expected a name or number after '.', got " + name.describe());
                }
            } else if (t.isOperator("[")) {
                next();
                e = subscript(e, t.pos());
            } else if (t.isOperator("(")) {
                next();
                e = new Expr.Call(e, callArgs(), t.pos());
            } else {
                return e;
            }
        }
    }

    /** After "[": an index {@code [i]} or a slice {@code [a:b:c]}. */
    private Expr subscript(Expr object, Pos pos) {
        Expr start = peek().isOperator(":") ? null : expression();
        if (start != null && skipOperator("]")) {
            return new Expr.Item(object, start, pos);
        }
        if (peek().isOperator(",")) {
            throw error(peek(), "tuple subscripts like x[a, b] are not supported");
        }
        expect(Kind.OPERATOR, ":");
        Expr stop = peek().isOperator("]") || peek().isOperator(":") ? null : expression();
        Expr step = null;
        if (skipOperator(":") && !peek().isOperator("]")) {
            step = expression();
        }
        expect(Kind.OPERATOR, "]");
        return new Expr.Slice(object, start, stop, step, pos);
    }

    /** After "(": positional then keyword arguments up to ")". */
    private Expr.CallArgs callArgs() {
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        commaSeparated(")", () -> {
            Token t = peek();
            if (t.isOperator("*") || t.isOperator("**")) {
                throw error(t, "*args and **kwargs in calls are not supported");
            }
            if (t.kind() == Kind.NAME && tokens.get(at + 1).isOperator("=")) {
                at += 2;
                if (names.contains(t.text())) {
                    throw error(t, "keyword argument repeated: " + t.text());
                }
                names.add(t.text());
                values.add(expression());
            } else {
                if (!names.isEmpty()) {
                    throw error(t, "positional argument follows keyword argument");
                }
                positional.add(expression());
            }
        });
        return new Expr.CallArgs(positional, names, values);
    }

    private Expr filtersAndTests(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOperator("|")) {
                next();
                e = filter(e);
            } else if (t.isName("is")) {
                next();
                e = test(e, t.pos());
            } else if (t.isOperator("(")) {
                next();
                e = new Expr.Call(e, callArgs(), t.pos());
            } else {
                return e;
            }
        }
    }

    /** One filter after its "|": {@code name} or {@code name(args)}. */
    private Expr.Filter filter(Expr value) {
        Token name = peek();
        String n = expectName();
        Filters.Fn fn = Filters.get(n);
        if (fn == null) {
            throw error(name, "no filter named '" + n + "'" + (Filters.KNOWN_UNSUPPORTED.contains(n) ? " (a Jinja2 filter this renderer does not support)" : ""));
        }
        Expr.CallArgs args = skipOperator("(") ? callArgs() : Expr.CallArgs.NONE;
        return new Expr.Filter(value, n, fn, args, name.pos());
    }

    /** Filters of {@code {% filter %}} and block {@code {% set %}}, applied to the body in order. */
    private List<Expr.Filter> filterChain(boolean startsInline) {
        List<Expr.Filter> filters = new ArrayList<>();
        while (startsInline || skipOperator("|")) {
            startsInline = false;
            filters.add(filter(null));
        }
        return filters;
    }

    /** After "is": {@code [not] name}, {@code name(args)} or {@code name arg}. */
    private Expr test(Expr value, Pos pos) {
        boolean negated = skipName("not");
        Token name = peek();
        String n = expectName();
        Tests.Fn fn = Tests.get(n);
        if (fn == null) {
            throw error(name, "no test named '" + n + "'");
        }
        Expr.CallArgs args = Expr.CallArgs.NONE;
        Token t = peek();
        if (skipOperator("(")) {
            args = callArgs();
        } else if ((TEST_ARGUMENT_START.contains(t.kind()) || t.isOperator("[") || t.isOperator("{") || t.isOperator("("))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw error(t, "you cannot chain multiple tests with is");
            }
            args = new Expr.CallArgs(List.of(postfix(primary())), List.of(), List.of());
        }
        return new Expr.Test(value, n, fn, args, negated, pos);
    }

    // ---- token helpers ----

    /** Items up to {@code close}, separated by commas (a trailing one allowed), each read by {@code item}. */
    private void commaSeparated(String close, Runnable item) {
        boolean first = true;
        while (!skipOperator(close)) {
            if (!first) {
                expect(Kind.OPERATOR, ",");
                if (skipOperator(close)) {
                    return;
                }
            }
            item.run();
            first = false;
        }
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.EOF) {
            at++;
        }
        return t;
    }

    private void expect(Kind kind) {
        Token t = next();
        if (t.kind() != kind) {
            throw error(t, "expected " + new Token(kind, "", null, t.pos()).describe() + ", got " + t.describe());
        }
    }

    private void expect(Kind kind, String text) {
        Token t = next();
        if (!t.is(kind, text)) {
            throw error(t, "expected '" + text + "', got " + t.describe());
        }
    }

    private String expectName() {
        Token t = next();
        if (t.kind() != Kind.NAME) {
            throw error(t, "expected a name, got " + t.describe());
        }
        return t.text();
    }

    private void expectName(String name) {
        Token t = next();
        if (!t.isName(name)) {
            throw error(t, "expected '" + name + "', got " + t.describe());
        }
    }

    private boolean skipName(String name) {
        if (peek().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipOperator(String op) {
        if (peek().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private static ChatTemplateException error(Token t, String what) {
        return ChatTemplateException.at(t.pos(), what);
    }
}
