package io.sparkllama.chat;

import org.junit.jupiter.api.Test;

import static io.sparkllama.chat.JinjaAssert.assertRenders;

/**
 * Statements: if, for with loop variables, set and scoping, namespace, macros and the smaller blocks.
 * <p>
 * Every expected string is what Python Jinja2 3.1.6 renders for the same template, set up as
 * transformers' apply_chat_template does (see {@link JinjaAssert}), with the conversation of
 * {@link JinjaAssert#MESSAGES}.
 */
class JinjaStatementTest {
    /** if/elif/else pick the first true branch. */
    @Test
    void ifElifElse() {
        assertRenders("{% for m in messages %}{% if m.role == 'system' %}S{% elif m.role == 'user' %}U{% else %}A{% endif %}{% endfor %}",
                "SUAU");
        assertRenders("{% if false %}no{% endif %}{% if messages %}yes{% endif %}",
                "yes");
    }

    /** loop.index, index0, revindex, revindex0, first, last, length, previtem, nextitem, cycle, depth. */
    @Test
    void forLoopVariables() {
        assertRenders("{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}|{% endfor %}",
                "1043TrueFalse41|2132FalseFalse41|3221FalseFalse41|4310FalseTrue41|");
        assertRenders("{% for x in 'abc' %}{{ loop.previtem }}{{ x }}{{ loop.nextitem }}{{ loop.cycle('+', '-') }};{% endfor %}",
                "ab+;abc-;bc+;");
        assertRenders("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %} {% for m in messages %}{{ loop }}{% endfor %}",
                "TrueFalseTrue <LoopContext 1/4><LoopContext 2/4><LoopContext 3/4><LoopContext 4/4>");
    }

    /** for k, v in pairs; dicts iterate keys, strings characters. */
    @Test
    void forUnpackingAndIterables() {
        assertRenders("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %} {% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %} {% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %} {% for c in 'xyz' %}{{ c }}.{% endfor %}",
                "a1b2 ab 37 x.y.z.");
        assertRenders("{% for k, v in messages[1]|items %}{{ k }}:{{ v }}|{% endfor %}",
                "role:user|content: Hi there! |");
    }

    /** else runs when nothing was iterated; for ... if ... filters before loop.* are counted. */
    @Test
    void forElseAndFilter() {
        assertRenders("{% for x in [] %}x{% else %}empty{% endfor %} {% for x in [1] %}x{% else %}empty{% endfor %}",
                "empty x");
        assertRenders("{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}{% endfor %} {% for x in [1, 2] if x > 5 %}x{% else %}none passed{% endfor %}",
                "1/22/2 none passed");
    }

    /** The loopcontrols extension. */
    @Test
    void breakAndContinue() {
        assertRenders("{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %} {% for x in range(5) %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}",
                "012 024");
        assertRenders("{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}",
                "11 21 ");
    }

    /** A set in a loop body is gone after the iteration (and the loop); if blocks do not scope. */
    @Test
    void setInsideALoopStaysInTheIteration() {
        assertRenders("{% set x = 'outer' %}{% for m in messages %}{{ x }}{% set x = 'inner' %}{{ x }} {% endfor %}{{ x }}",
                "outerinner outerinner outerinner outerinner outer");
        assertRenders("{% for i in range(2) %}{% if i == 0 %}{% set y = 'set' %}{% endif %}[{{ y }}]{% endfor %}{% if true %}{% set z = 'if does not scope' %}{% endif %}{{ z }}",
                "[set][]if does not scope");
        assertRenders("{% set messages = messages[1:] %}{{ messages|length }}",
                "3");
    }

    /** namespace() objects are what survive loop iterations. */
    @Test
    void namespaceCarriesValuesOutOfLoops() {
        assertRenders("{% set ns = namespace(count=0, last='') %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.count }} {{ ns.last }} {{ ns }}",
                "4 user <Namespace {'count': 4, 'last': 'user'}>");
        assertRenders("{% set ns = namespace() %}{% set ns.found = false %}{% for m in messages %}{% if m.role == 'assistant' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}",
                "True");
    }

    /** set a, b = ... */
    @Test
    void tupleAssignment() {
        assertRenders("{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set c, d = 'xy' %}{{ d }}{{ c }}",
                "12 yx");
    }

    /** Macros with defaults and keyword arguments; missing arguments are undefined; they see variables set later at top level. */
    @Test
    void macros() {
        assertRenders("{% macro turn(m, prefix='> ') %}{{ prefix }}{{ m.role|upper }}: {{ m.content|trim }}\n{% endmacro %}{% for m in messages %}{{ turn(m) }}{{ turn(m, prefix='* ') }}{% endfor %}",
                "> SYSTEM: Be brief.\n* SYSTEM: Be brief.\n> USER: Hi there!\n* USER: Hi there!\n> ASSISTANT: Hello.\n* ASSISTANT: Hello.\n> USER: What is 2+2?\n* USER: What is 2+2?\n");
        assertRenders("{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}{{ m(b=2, a=1) }}{{ m }}",
                "[1|][1|2]<Macro 'm'>");
        assertRenders("{% macro show() %}{{ later }}{% endmacro %}{% set later = 'seen' %}{{ show() }}",
                "seen");
        assertRenders("{% macro outer() %}({% for i in range(2) %}{{ inner(i) }}{% endfor %}){% endmacro %}{% macro inner(x) %}<{{ x }}>{% endmacro %}{{ outer() }}",
                "(<0><1>)");
        assertRenders("{% macro m() %}{% set local = 1 %}{% endmacro %}{{ m() }}[{{ local }}]",
                "[]");
    }

    /** {% set x %}...{% endset %}, {% with %}, {% filter %}, {% print %} and transformers' {% generation %}, each scoped. */
    @Test
    void blockSetWithFilterAndGeneration() {
        assertRenders("{% set x %}  {{ messages|length }} turns  {% endset %}[{{ x }}] {% set y | trim | upper %}  shout  {% endset %}[{{ y }}]",
                "[  4 turns  ] [SHOUT]");
        assertRenders("{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% set c = 3 %}{% endwith %}{{ a }}[{{ b }}{{ c }}]",
                "155[]");
        assertRenders("{% filter upper %}loud {{ messages[0].role }}{% endfilter %} {% filter replace('a', 'o')|title %}banana split{% endfilter %}",
                "LOUD SYSTEM Bonono Split");
        assertRenders("{% print 'printed', 1 %} {% generation %}{% set g = 1 %}generated {{ g }}{% endgeneration %}[{{ g }}]",
                "printed1 generated 1[]");
    }

    /** range, dict, namespace, strftime_now (the date given to render) and tools/documents = none. */
    @Test
    void globals() {
        assertRenders("{{ range(3)|list }} {{ range(1, 10, 4)|list }} {{ range(3) }} {{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
                "[0, 1, 2] [1, 5, 9] range(0, 3) {'a': 1, 'b': 'x'} 1");
        assertRenders("{{ strftime_now('%d %b %Y') }} | {{ strftime_now('%A %a %B %b %d %-d %m %y %Y %j %%') }}",
                "26 Jul 2024 | Friday Fri July Jul 26 26 07 24 2024 208 %");
        assertRenders("{{ tools is none }} {{ tools is defined }} {{ documents }} {{ bos_token }}{{ eos_token }} {{ add_generation_prompt }}",
                "True True None <s></s> True");
    }
}
