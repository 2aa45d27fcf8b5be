-- Quarto-style cross-references for the pandoc fallback: figures and tables
-- whose ids start with fig- / tbl- are numbered in order of appearance, their
-- captions get "Figure N: " / "Table N: ", and @fig-x / @tbl-x citations
-- become links. Quarto does this itself; this filter stands in for it.

local NAMES = { fig = "Figure", tbl = "Table" }
local counts = { fig = 0, tbl = 0 }
local numbers = {}

local function kind_of(id)
  local prefix = id:match("^(%a+)%-")
  if NAMES[prefix] then return prefix end
end

local function number(el, kind)
  if kind_of(el.identifier) ~= kind then return nil end
  if numbers[el.identifier] then
    error("duplicate cross-reference label #" .. el.identifier)
  end
  counts[kind] = counts[kind] + 1
  numbers[el.identifier] = counts[kind]
  local label = NAMES[kind] .. " " .. counts[kind] .. ": "
  local long = el.caption.long
  if #long == 0 then
    long:insert(pandoc.Plain({}))
  end
  long[1].content:insert(1, pandoc.Str(label))
  return el
end

local function reference(citation)
  local id = citation.id
  local n = numbers[id]
  if not n then
    error("unknown cross-reference @" .. id .. " (no figure or table has #" .. id .. ")")
  end
  -- [-@fig-x] asks for the bare number, as in Quarto.
  local text = citation.mode == "SuppressAuthor" and tostring(n)
    or NAMES[kind_of(id)] .. " " .. n
  local out = pandoc.Inlines(citation.prefix)
  if #out > 0 then out:insert(pandoc.Space()) end
  out:insert(pandoc.Link(text, "#" .. id, "", { class = "quarto-xref" }))
  out:extend(citation.suffix)
  return out
end

local function resolve(cite)
  local xrefs = 0
  for _, c in ipairs(cite.citations) do
    if kind_of(c.id) then xrefs = xrefs + 1 end
  end
  if xrefs == 0 then return nil end
  if xrefs < #cite.citations then
    error("a citation mixes cross-references and bibliography keys: " ..
      pandoc.utils.stringify(cite.content))
  end
  local out = pandoc.Inlines({})
  for i, c in ipairs(cite.citations) do
    if i > 1 then out:extend({ pandoc.Str(","), pandoc.Space() }) end
    out:extend(reference(c))
  end
  return out
end

-- Typst would number figures again; the captions already carry the numbers.
local function typst_setup(meta)
  if not FORMAT:match("typst") then return nil end
  local includes = meta["header-includes"] or pandoc.MetaList({})
  if includes.t ~= "MetaList" then includes = pandoc.MetaList({ includes }) end
  includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("typst", "#set figure(numbering: none)") }))
  meta["header-includes"] = includes
  return meta
end

return {
  { Figure = function(el) return number(el, "fig") end,
    Table = function(el) return number(el, "tbl") end },
  { Cite = resolve, Meta = typst_setup },
}
