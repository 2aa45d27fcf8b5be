-- Quarto callouts (::: {.callout-warning} ...) for the pandoc fallback: a
-- titled, coloured box in HTML, a bordered block in typst, and a bordered
-- paragraph style ("Callout", defined in the reference docx) in Word.

local TITLES = {
  note = "Note", tip = "Tip", warning = "Warning",
  important = "Important", caution = "Caution",
}

local CSS = [[
<style>
.callout { margin: 1em 0; padding: 0.6em 1em; border: 1px solid #e0a800;
  border-left: 5px solid #e0a800; border-radius: 4px; background: #fff8e1; }
.callout-title { font-weight: bold; margin-bottom: 0.3em; }
.callout-note { border-color: #0d6efd; background: #eef4ff; }
.callout-tip { border-color: #198754; background: #edf7f1; }
.callout-important, .callout-caution { border-color: #dc3545; background: #fdeeee; }
</style>
]]

local TYPST_OPEN = '#block(width: 100%, inset: 8pt, radius: 3pt, ' ..
  'fill: rgb("#fff8e1"), stroke: (paint: rgb("#e0a800"), thickness: 1pt))['

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if TITLES[kind] then return kind end
  end
end

-- Quarto takes the title from title="..." or from a leading heading.
local function split_title(div, kind)
  local body = div.content
  if div.attributes.title then
    return pandoc.Inlines(div.attributes.title), body
  end
  if body[1] and body[1].t == "Header" then
    return body[1].content, pandoc.Blocks({ table.unpack(body, 2) })
  end
  return pandoc.Inlines(TITLES[kind]), body
end

local function render(div)
  local kind = callout_kind(div)
  if not kind then return nil end
  local title, body = split_title(div, kind)
  if FORMAT:match("html") then
    local head = pandoc.Div(pandoc.Plain(title), { class = "callout-title" })
    return pandoc.Div({ head, table.unpack(body) },
      { class = "callout callout-" .. kind })
  end
  local blocks = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title) }) })
  blocks:extend(body)
  if FORMAT:match("typst") then
    blocks:insert(1, pandoc.RawBlock("typst", TYPST_OPEN))
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
  return pandoc.Div(blocks, { ["custom-style"] = "Callout" })
end

local function add_css(meta)
  if not FORMAT:match("html") then return nil end
  local includes = meta["header-includes"] or pandoc.MetaList({})
  if includes.t ~= "MetaList" then includes = pandoc.MetaList({ includes }) end
  includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("html", CSS) }))
  meta["header-includes"] = includes
  return meta
end

return { { Div = render, Meta = add_css } }
